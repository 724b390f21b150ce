"""Admin building blocks: pages that answer an object outside the person's scope with a 404,
like the rest of the portal, lists nobody edits by hand, actions on the selected rows, pages
of one object and the response of a page of the portal's own."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import path

T = TypeVar("T")


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


def act_on_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    items: Iterable[T],
    act: Callable[[T], object],
    summary: Callable[[int], str],
    *,
    level: int = messages.SUCCESS,
    report_refusals: bool = False,
    name: Callable[[T], str] = str,
    quiet_when_none: bool = False,
) -> int:
    """The shape of an admin action on the selected rows: ``act`` (one service call) on each
    item, then one message with ``summary(count)``. With ``report_refusals`` an item the
    service refuses (``ValidationError``) gets an error message by ``name`` and is not
    counted; ``quiet_when_none`` leaves the summary out when nothing was done."""
    done = 0
    for item in items:
        if not report_refusals:
            act(item)
            done += 1
            continue
        try:
            act(item)
        except ValidationError as exc:
            model_admin.message_user(
                request, f"{name(item)}: {' '.join(exc.messages)}", messages.ERROR
            )
        else:
            done += 1
    if done or not quiet_when_none:
        model_admin.message_user(request, summary(done), level)
    return done


def object_pages(model_admin: admin.ModelAdmin, pages: dict[str, Callable[..., Any]]) -> list[Any]:
    """URL patterns for pages of one object (``<pk>/<slug>/``), wrapped by the admin site and
    named ``<app>_<model>_<slug with underscores>``; a ``get_urls`` puts them before its own."""
    wrap = model_admin.admin_site.admin_view
    prefix = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}"
    return [
        path(f"<int:object_id>/{slug}/", wrap(view), name=f"{prefix}_{slug.replace('-', '_')}")
        for slug, view in pages.items()
    ]


def admin_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    template: str,
    *,
    title: Any,
    status: int = 200,
    **context: Any,
) -> TemplateResponse:
    """A page of the admin's own (a confirmation, a form, a history): ``template`` with the
    admin site's context, the model's options, ``title`` and ``context``."""
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": title,
            **context,
        },
        status=status,
    )
