"""Admin for erasure requests."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contactpoint.admin_scope import act_on_each

from .. import my_area
from ..models import ErasureRequest
from .privacy import ErasureRequestPrivacyActions


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ErasureRequestPrivacyActions, admin.ModelAdmin):
    """Staff read the request, act on the data, then close it with an action (audited)."""

    list_display = ("created_at", "email", "user", "status", "handled_by", "handled_at")
    list_filter = ("status",)
    search_fields = ("email", "user__email")
    list_select_related = ("user", "handled_by")
    date_hierarchy = "created_at"
    readonly_fields = (
        "user",
        "email",
        "reason",
        "created_at",
        "status",
        "handled_by",
        "handled_at",
        "notes",
    )
    actions = ("anonymise", "mark_done", "mark_rejected")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requests come from the stakeholders themselves

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the request is evidence of what was asked and when

    def _close(self, request: HttpRequest, queryset: QuerySet[ErasureRequest], status: str) -> None:
        act_on_each(
            self,
            request,
            queryset.filter(status=ErasureRequest.Status.OPEN),
            lambda erasure: my_area.handle_erasure_request(
                erasure=erasure, status=status, actor=request.user
            ),
            lambda n: (
                ngettext("%(count)d request closed.", "%(count)d requests closed.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Mark as erased"), permissions=["change"])
    def mark_done(self, request: HttpRequest, queryset: QuerySet[ErasureRequest]) -> None:
        self._close(request, queryset, ErasureRequest.Status.DONE)

    @admin.action(description=_("Mark as rejected"), permissions=["change"])
    def mark_rejected(self, request: HttpRequest, queryset: QuerySet[ErasureRequest]) -> None:
        self._close(request, queryset, ErasureRequest.Status.REJECTED)
