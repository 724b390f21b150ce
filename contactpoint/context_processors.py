from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal_context() -> dict[str, Any]:
    """The portal's name, city and contact address, for pages and e-mails alike."""
    return {
        "PORTAL_NAME": settings.CONTACTPOINT_NAME,
        "PORTAL_CITY": settings.CONTACTPOINT_CITY,
        "PORTAL_CONTACT_EMAIL": settings.CONTACTPOINT_CONTACT_EMAIL,
    }


def portal(request: HttpRequest) -> dict[str, Any]:
    return portal_context()


def absolute_url(path: str) -> str:
    """``CONTACTPOINT_BASE_URL`` + ``path``: e-mails are sent by workers, with no request
    to build an absolute link from."""
    return settings.CONTACTPOINT_BASE_URL.rstrip("/") + path
