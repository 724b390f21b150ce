from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health as health_checks


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "contactpoint/home.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "contactpoint/privacy.html")


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "contactpoint/accessibility.html")


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    body, status = health_checks.report()
    return JsonResponse(body, status=status)
