"""Who is the client: one answer for every rate limit (offer form, API, sign-in).

``X-Forwarded-For`` is trusted only as far as ``TRUSTED_PROXY_COUNT`` proxies under our
control: each proxy appends the address it received the request from, so the client is the
n-th address from the right; anything further left was written by the client and may be
forged. With 0 (the default, no proxy) the header is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    address = address.strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's IP address, or the peer address when the header cannot be used."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("x-forwarded-for", "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [part for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote
    # Fewer entries than proxies: the request skipped a proxy; the leftmost is the best guess
    # (as Django REST framework's NUM_PROXIES does).
    candidate = addresses[-min(proxies, len(addresses))]
    return _valid(candidate) or remote
