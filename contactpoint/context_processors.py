from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import api_tokens, landing


def portal_context() -> dict[str, Any]:
    """The portal's name, city and contact address, for pages and e-mails alike."""
    return {
        "PORTAL_NAME": settings.CONTACTPOINT_NAME,
        "PORTAL_CITY": settings.CONTACTPOINT_CITY,
        "PORTAL_CONTACT_EMAIL": settings.CONTACTPOINT_CONTACT_EMAIL,
    }


def portal(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        **portal_context(),
        # The header's links to every place the person's roles allow (computed when used).
        "WORK_PLACES": SimpleLazyObject(lambda: landing.places_for(user)) if user else [],
        "CAN_HOLD_API_TOKENS": (
            SimpleLazyObject(lambda: api_tokens.may_hold_tokens(user)) if user else False
        ),
    }


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """The absolute address of ``path`` on this portal, for e-mails and API answers.

    Outside production, a request's own host wins: the portal answers on whatever host and
    port the person chose (``make run`` with any ``PORT``). In production, and wherever
    there is no request (e-mails are sent by Celery workers), ``CONTACTPOINT_BASE_URL``
    decides; ``manage.py serve`` hands its own address to the worker and beat it starts.
    """
    if request is not None and not settings.PRODUCTION:
        return request.build_absolute_uri(path)
    return settings.CONTACTPOINT_BASE_URL.rstrip("/") + path
