from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health as health_checks
from .context_processors import portal_context
from .pagecache import anonymous_page


@require_GET
@anonymous_page
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


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page in the site's look, rendered without the request's context processors:
    the database (sessions, roles) may be what failed."""
    html = loader.get_template("500.html").render(
        {
            **portal_context(),
            "LANGUAGE_CODE": translation.get_language() or "it",
            "error_page": True,
        }
    )
    return HttpResponseServerError(html)
