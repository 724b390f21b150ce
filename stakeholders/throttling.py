"""Rate limits for the public offer intake (form and API alike), counted in PostgreSQL
(``contactpoint.ratelimit``: shared by every process, atomic, up while Redis is down).

Limits are counted per fixed window (an hour by default) per client IP and per e-mail
address, so one noisy address or one script cannot flood the account managers' queue while
a real person sending a few offers never meets them. Settings (integers):

- ``OFFER_RATE_LIMIT_PER_IP`` (default 10): accepted offers per IP per window;
- ``OFFER_RATE_LIMIT_PER_EMAIL`` (default 5): accepted offers per e-mail per window;
- ``OFFER_RATE_LIMIT_WINDOW`` (default 3600): the window, in seconds.

Only accepted offers count (``record_submission`` in the offer's transaction): a refused
form or a 400 from the API costs nothing. The client IP is ``contactpoint.clientip``'s,
which trusts ``X-Forwarded-For`` only behind ``TRUSTED_PROXY_COUNT`` proxies.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from contactpoint import clientip, ratelimit

DEFAULT_PER_IP = 10
DEFAULT_PER_EMAIL = 5
DEFAULT_WINDOW = 3600


@dataclass(frozen=True)
class Limit:
    scope: str  # "ip" or "email"
    limit: int
    retry_after: int  # seconds until the window ends


def _window() -> int:
    return int(getattr(settings, "OFFER_RATE_LIMIT_WINDOW", DEFAULT_WINDOW))


def _limits() -> dict[str, int]:
    return {
        "ip": int(getattr(settings, "OFFER_RATE_LIMIT_PER_IP", DEFAULT_PER_IP)),
        "email": int(getattr(settings, "OFFER_RATE_LIMIT_PER_EMAIL", DEFAULT_PER_EMAIL)),
    }


def _key(scope: str, value: str) -> str:
    # Hashed: the counters should not hold e-mail addresses.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"offer:{scope}:{digest}"


def _identities(*, client_ip: str, email: str) -> dict[str, str]:
    return {
        scope: _key(scope, value) for scope, value in (("ip", client_ip), ("email", email)) if value
    }


def exceeded_limit(*, client_ip: str, email: str) -> Limit | None:
    """The first limit this IP or e-mail has reached in the current window, or None."""
    window = _window()
    limits = _limits()
    identities = _identities(client_ip=client_ip, email=email)
    counted = ratelimit.counts(list(identities.values()), length=window)
    for scope, key in identities.items():
        if counted[key] >= limits[scope]:
            now = time.time()
            return Limit(
                scope=scope, limit=limits[scope], retry_after=int(window - now % window) + 1
            )
    return None


def record_submission(*, client_ip: str, email: str) -> None:
    """Count one accepted offer for this IP and e-mail in the current window, in the
    offer's transaction (last, just before it commits): counted if and only if stored."""
    identities = _identities(client_ip=client_ip, email=email)
    ratelimit.hit(list(identities.values()), length=_window(), with_caller=True)


def client_ip(request: HttpRequest) -> str:
    """The client's address, as every limit of the portal sees it."""
    return clientip.client_ip(request)
