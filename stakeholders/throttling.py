"""Rate limits for the public offer intake (form and API alike), kept in Django's cache,
which lives in PostgreSQL (shared by every process, and up while Redis is down).

Limits are counted per fixed window (an hour by default) per client IP and per e-mail
address, so one noisy address or one script cannot flood the account managers' queue while
a real person sending a few offers never meets them. Settings (integers):

- ``OFFER_RATE_LIMIT_PER_IP`` (default 10): accepted offers per IP per window;
- ``OFFER_RATE_LIMIT_PER_EMAIL`` (default 5): accepted offers per e-mail per window;
- ``OFFER_RATE_LIMIT_WINDOW`` (default 3600): the window, in seconds.

Only accepted offers count (``record_submission`` after the offer is stored): a refused
form or a 400 from the API costs nothing. The client IP is ``contactpoint.clientip``'s,
which trusts ``X-Forwarded-For`` only behind ``TRUSTED_PROXY_COUNT`` proxies.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from contactpoint import clientip

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


def _key(scope: str, value: str, window_index: int) -> str:
    # Hashed: the cache (a database table without Redis) should not hold e-mail addresses.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"offer-rate:{scope}:{digest}:{window_index}"


def _identities(*, client_ip: str, email: str) -> dict[str, str]:
    return {scope: value for scope, value in (("ip", client_ip), ("email", email)) if value}


def exceeded_limit(*, client_ip: str, email: str) -> Limit | None:
    """The first limit this IP or e-mail has reached in the current window, or None."""
    window = _window()
    now = time.time()
    index = int(now // window)
    limits = _limits()
    for scope, value in _identities(client_ip=client_ip, email=email).items():
        count = cache.get(_key(scope, value, index), 0)
        if count >= limits[scope]:
            return Limit(
                scope=scope, limit=limits[scope], retry_after=int(window - now % window) + 1
            )
    return None


def record_submission(*, client_ip: str, email: str) -> None:
    """Count one accepted offer for this IP and e-mail in the current window."""
    window = _window()
    index = int(time.time() // window)
    for scope, value in _identities(client_ip=client_ip, email=email).items():
        key = _key(scope, value, index)
        # add() is a no-op when the key exists; incr() then counts. Not strictly atomic on
        # every cache backend, which is fine for a limit of this kind.
        cache.add(key, 0, timeout=window + 60)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window + 60)


def client_ip(request: HttpRequest) -> str:
    """The client's address, as every limit of the portal sees it."""
    return clientip.client_ip(request)
