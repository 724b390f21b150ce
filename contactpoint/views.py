from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found

from . import health as health_checks
from . import privacy as privacy_registry
from .context_processors import portal_context
from .pagecache import anonymous_page


@require_safe
@anonymous_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "contactpoint/home.html")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "retention_months": settings.CONTACT_RETENTION_MONTHS,
        "retention_warning_days": settings.CONTACT_RETENTION_WARNING_DAYS,
        **privacy_registry.page_context(request),
    }
    return render(request, "contactpoint/privacy.html", context)


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "contactpoint/accessibility.html")


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    body, status = health_checks.report()
    return JsonResponse(body, status=status)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A 404 in the API's shape under /api/ (an id that is no number, an unknown path),
    the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


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
