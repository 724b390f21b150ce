from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    return {
        "PORTAL_NAME": settings.CONTACTPOINT_NAME,
        "PORTAL_CITY": settings.CONTACTPOINT_CITY,
        "PORTAL_CONTACT_EMAIL": settings.CONTACTPOINT_CONTACT_EMAIL,
    }
