"""Whole public pages kept for anonymous visitors (home, catalogue, need pages, offer form).

What every anonymous visitor of a page sees is the same, save for the CSRF token of the
language switch and the forms: the page is rendered once per process, language, address
and htmx kind, kept in this process's memory with the token replaced by a marker, and
each later visitor gets it with a token of their own (so the CSRF cookie is set as usual).

A "catalogue version" in the shared (PostgreSQL) cache names the current generation of the
pages: every change to a need or to the reference data a page shows writes a new one (see
the receivers in ``needs.apps``), so all the processes stop serving the old pages: the
changing process at once, the others within ``PAGE_CACHE_VERSION_MS`` (1 s), the time a
process trusts the version it last read (one query). The write happens in the changing
transaction, so no
page rendered from uncommitted data can be kept under the new version. Pages also expire
after ``PAGE_CACHE_SECONDS``: a need's "not recently reviewed" badge depends on the clock.

Only requests that cannot belong to anybody are served from it: GET, no session cookie (so
nobody signed in), no pending message, no Authorization header. Responses are kept only if
the view answered 200 without touching the session, cookies or messages.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import ProgrammingError, transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from psycopg.errors import UndefinedTable

VERSION_KEY = "pages:catalogue-version"
# The output of ``{% csrf_token %}``: the only place a page carries the token.
CSRF_INPUT = re.compile(r'(<input type="hidden" name="csrfmiddlewaretoken" value=")([^"]*)(")')
# Random per process, so no text typed into a need can spell it.
TOKEN_MARKER = f"cp-csrf-{secrets.token_hex(16)}"
# Response headers a kept page does not repeat (recomputed or personal).
SKIPPED_HEADERS = {"content-length", "set-cookie"}

_pages = LocMemCache(
    "contactpoint-pages",
    {
        "TIMEOUT": getattr(settings, "PAGE_CACHE_SECONDS", 300),
        "OPTIONS": {
            "MAX_ENTRIES": getattr(settings, "PAGE_CACHE_MAX_ENTRIES", 500),
            "CULL_FREQUENCY": 4,
        },
    },
)
# (when it was read, the version): the last catalogue version this process read.
_last_read: tuple[float, str] | None = None
_held: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar(
    "pagecache_held", default=None
)


# --- The catalogue version ----------------------------------------------------------------


def catalogue_version() -> str:
    """The current generation of the public pages: read from the shared cache (one query; a
    new one if it was lost) at most every ``PAGE_CACHE_VERSION_MS`` in this process."""
    global _last_read
    now = time.monotonic()
    last = _last_read
    if last is not None and now - last[0] < settings.PAGE_CACHE_VERSION_MS / 1000:
        return last[1]
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.token_hex(8), timeout=None)
        version = cache.get(VERSION_KEY)
    _last_read = (now, str(version))
    return str(version)


def forget_version() -> None:
    """Read the version again on the next request (this process changed it)."""
    global _last_read
    _last_read = None


def new_catalogue_version() -> None:
    """Retire every kept public page, in every process (called when public data changes).

    Inside ``held_versions()`` the new version is written once, when the block ends.
    """
    held = _held.get()
    if held is not None:
        held.append(True)
        return
    forget_version()
    transaction.on_commit(forget_version)  # a thread may have read the old one meanwhile
    try:
        with transaction.atomic():
            cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)
    except ProgrammingError as exc:
        # During ``migrate`` (the thesaurus is seeded) the cache table may not exist yet:
        # then no page was kept either.
        if not isinstance(exc.__cause__, UndefinedTable):
            raise


@contextmanager
def held_versions() -> Iterator[None]:
    """One new version for a batch of changes (a thesaurus load saves hundreds of rows)."""
    if _held.get() is not None:
        yield
        return
    held: list[bool] = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
        if held:
            new_catalogue_version()


def clear_local() -> None:
    """Forget this process's kept pages and version (tests start each from none)."""
    _pages.clear()
    forget_version()


# --- Serving -------------------------------------------------------------------------------


def is_anonymous_request(request: HttpRequest) -> bool:
    """True when nothing in the request can make the page personal: no session (so nobody
    is signed in and no form state), no message waiting, no credentials."""
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def page_key(request: HttpRequest, version: str) -> str:
    htmx = getattr(request, "htmx", None)
    kind = (
        "htmx-"
        + "".join("1" if flag else "0" for flag in (htmx.boosted, htmx.history_restore_request))
        if htmx
        else "page"
    )
    where = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.blake2b(where.encode(), digest_size=16).hexdigest()
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return f"page:{version}:{language}:{kind}:{digest}"


def _storable(request: HttpRequest, response: HttpResponse) -> tuple[Any, ...] | None:
    """What to keep of a response, with the CSRF token replaced by the marker; None when
    the response is personal or not a plain 200 page."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return None
    if getattr(getattr(request, "_messages", None), "_queued_messages", None):
        return None
    content = response.content.decode(response.charset)
    tokens = {match.group(2) for match in CSRF_INPUT.finditer(content)}
    content = CSRF_INPUT.sub(rf"\g<1>{TOKEN_MARKER}\g<3>", content)
    if any(token and token in content for token in tokens):
        return None  # the token shows elsewhere too: never share it
    headers = [(k, v) for k, v in response.items() if k.lower() not in SKIPPED_HEADERS]
    return (content, response.charset, headers, bool(tokens))


def _from_storage(request: HttpRequest, stored: tuple[Any, ...]) -> HttpResponse:
    content, charset, headers, has_token = stored
    if has_token:
        content = content.replace(TOKEN_MARKER, get_token(request))
    response = HttpResponse(content.encode(charset))
    for name, value in headers:
        response[name] = value
    return response


def anonymous_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the view's page from the kept pages to anonymous visitors (see the module)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PAGE_CACHE_SECONDS or not is_anonymous_request(request):
            return view(request, *args, **kwargs)
        key = page_key(request, catalogue_version())
        stored = _pages.get(key)
        if stored is not None:
            return _from_storage(request, stored)
        response = view(request, *args, **kwargs)
        storable = _storable(request, response)
        if storable is not None:
            _pages.set(key, storable, settings.PAGE_CACHE_SECONDS)
        return response

    return wrapper
