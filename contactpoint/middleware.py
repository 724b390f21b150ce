from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .roles import is_city_staff

# Paths a staff user without a second factor may still reach: the pages to set it up,
# logout, language switch, static files and the health probe.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/media/", "/health/", "/i18n/")


class RequireStaffMFAMiddleware:
    """City staff must activate TOTP before using anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and is_city_staff(user)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request,
                _("City staff must protect their account with a second factor before going on."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


# Browser features the portal never uses, each denied to the page and to anything it embeds.
# Only features Chromium knows: an unknown name makes it log an error on every page.
DENIED_BROWSER_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_BROWSER_FEATURES)


class PermissionsPolicyMiddleware:
    """Send a Permissions-Policy on every response: camera, location, payment... all off.

    The coverage map is drawn server-side as SVG and the second factor is TOTP, so no page
    needs a sensor, a device or the Payment/WebAuthn APIs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
