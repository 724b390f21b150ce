"""Refuse input no field can hold, before any view sees it.

PostgreSQL cannot store a NUL character in text, and a lone UTF-16 surrogate (possible in
JSON, ``"\\ud800"``) cannot be encoded for it at all: either one reaching a query is a
500. They are never legitimate in a path, a query string, a form or a JSON body, so one
answer for all of them beats a check in every view: 400, with nothing read or written.

Bytes that are not UTF-8 get the same answer: Django decodes query strings and forms with
``errors="replace"``, so without this check they would be stored as U+FFFD.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(values: Iterable[str]) -> bool:
    return any(_UNSTORABLE.search(value) for value in values)


def _json_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


@functools.cache
def _admin_prefix() -> str:
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return "/admin/"


def has_malformed_admin_id(request: HttpRequest) -> bool:
    """Whether an admin page got an object id, or an action a selection, of the wrong type.

    The admin filters with the raw values (``pk__in=["abc"]``), and so do pages that
    models add to it, so a malformed id would be a ValueError (500) rather than a 4xx.
    """
    if not request.path_info.startswith(_admin_prefix()):
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    model_admin = getattr(match.func, "model_admin", None)
    if model_admin is None:
        return False
    values = []
    if "object_id" in match.kwargs:
        values.append(unquote(match.kwargs["object_id"]))
    if request.method == "POST" and ACTION_CHECKBOX_NAME in request.POST:
        values.extend(request.POST.getlist(ACTION_CHECKBOX_NAME))
    pk = model_admin.model._meta.pk
    try:
        for value in values:
            pk.to_python(value)
    except ValidationError:
        return True
    return False


def has_unstorable_input(request: HttpRequest) -> bool:
    """Whether the path, query, form or JSON body carries a NUL or a lone surrogate."""
    if _UNSTORABLE.search(request.path_info):
        return True
    if _unstorable(request.GET.keys()) or _unstorable(
        value for values in request.GET.lists() for value in values[1]
    ):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        post = request.POST
        return _unstorable(post.keys()) or _unstorable(
            value for values in post.lists() for value in values[1]
        )
    if content_type.endswith("json"):
        try:
            data = json.loads(request.body)
        except ValueError:
            return False  # the API answers malformed JSON itself, with a field-level 400
        return _unstorable(_json_strings(data))
    return False


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _urlencoded_is_utf8(data: bytes) -> bool:
    # Separators are ASCII, so the decoded pairs are valid UTF-8 exactly when the whole is.
    return _is_utf8(unquote_to_bytes(data.replace(b"+", b" ")))


# Bodies read whole anyway (Django caps them at DATA_UPLOAD_MAX_MEMORY_SIZE): checked as
# bytes. Multipart bodies stream to disk and are never read twice: Django has already
# replaced their bad bytes, so a U+FFFD in a field or a file name is the sign.
_TEXT_BODIES = ("application/x-www-form-urlencoded", "text/")


def has_invalid_utf8(request: HttpRequest) -> bool:
    """Whether the query string, a text or JSON body or a multipart field is not UTF-8."""
    environ = getattr(request, "environ", None)
    if environ is not None and not _urlencoded_is_utf8(
        get_bytes_from_wsgi(environ, "QUERY_STRING", "")
    ):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        names = (f.name or "" for _key, files in request.FILES.lists() for f in files)
        values = (value for _key, values in request.POST.lists() for value in values)
        return any("\ufffd" in text for text in (*request.POST.keys(), *values, *names))
    if content_type == "application/x-www-form-urlencoded":
        return not _urlencoded_is_utf8(request.body)
    if content_type.startswith(_TEXT_BODIES) or content_type.endswith("json"):
        return not _is_utf8(request.body)
    return False


class RejectUnstorableInputMiddleware:
    """400 for a NUL byte, a lone surrogate or bytes that are not UTF-8 anywhere, or a
    malformed id in the admin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        message = ""
        try:
            if has_invalid_utf8(request):
                message = _("The request is not valid UTF-8 text: save or send it as UTF-8.")
            elif has_unstorable_input(request) or has_malformed_admin_id(request):
                message = _("The request contains characters that cannot be stored.")
        except (MultiPartParserError, RequestDataTooBig, SuspiciousOperation):
            pass  # Django answers these itself, with the right status
        if message:
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return bad_request(request, SuspiciousOperation(message))
        return self.get_response(request)


def guard_admin_autocomplete() -> None:
    """Make the admin's autocomplete widgets ignore submitted ids of the wrong type.

    When a form with an autocomplete field is shown again with its errors, Django's widget
    looks the submitted value up with ``pk__in=[value]``, so "abc" in a foreign key is a
    ValueError (500) instead of the field error the form already has. Values that are not
    ids of the related model are simply not shown as selected.
    """
    from django.contrib.admin.widgets import AutocompleteMixin

    original = AutocompleteMixin.optgroups
    if getattr(original, "guarded", False):
        return

    def optgroups(self: Any, name: str, value: Any, attr: Any = None) -> Any:
        remote = self.field.remote_field
        target_name = getattr(remote, "field_name", None)
        target = remote.model._meta.get_field(target_name) if target_name else remote.model._meta.pk

        def is_id(candidate: Any) -> bool:
            try:
                target.to_python(candidate)
            except ValidationError:
                return False
            return True

        return original(self, name, [v for v in value if v in ("", None) or is_id(v)], attr)

    optgroups.guarded = True  # type: ignore[attr-defined]
    AutocompleteMixin.optgroups = optgroups  # type: ignore[method-assign]
