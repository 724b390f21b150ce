"""Admin building blocks: pages that answer an object outside the person's scope with a 404,
like the rest of the portal, and lists nobody edits by hand."""

from __future__ import annotations

from typing import Any, NoReturn

from django.contrib import admin
from django.http import Http404, HttpRequest


class NotFoundOutsideScope:
    """For a ``ModelAdmin`` whose ``get_queryset`` narrows what a person may see.

    Django answers the change, history and delete pages of an object missing from that
    queryset with a redirect to the admin index ("perhaps it was deleted?"); here it is the
    same 404 a page outside the admin gives, so a denial looks the same on every channel.
    """

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> NoReturn:
        raise Http404


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list and detail pages to read: records written only by the portal's services (audit
    trail, outbox, tokens, erasures, the vademecum), never added, changed or deleted here.
    Actions a subclass declares still run."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
