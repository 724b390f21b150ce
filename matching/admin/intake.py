"""The intake list: offers with no fitting need, for an account manager to answer."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import (
    QuerySet,
)
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contactpoint.admin_scope import ReadOnlyAdmin, act_on_each

from .. import permissions, services
from ..models import IntakeItem
from .filters import DefaultChoiceFilter
from .rows import admin_url

# --- The intake list: offers with no fitting need ------------------------------------------


class IntakeStateFilter(DefaultChoiceFilter):
    """To answer (default), answered, all."""

    title = _("state")
    parameter_name = "state"
    OPEN, RESOLVED, ALL = "open", "resolved", "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(self.OPEN, _("To answer")), (self.RESOLVED, _("Resolved")), (self.ALL, _("All"))]

    def default(self, request: HttpRequest) -> str:
        return self.OPEN

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self._current = self.current(request)
        if value == self.OPEN:
            return queryset.filter(resolved_at__isnull=True)
        if value == self.RESOLVED:
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(IntakeItem)
class IntakeItemAdmin(ReadOnlyAdmin):
    """The team's intake list: offers the relevance gate matched to no need, for a person
    to answer (suggest another need, ask for details, thank and decline)."""

    list_display = (
        "offer_column",
        "organisation_column",
        "kind_column",
        "reason",
        "created_at",
        "resolved_at",
        "resolution",
    )
    list_display_links = None
    list_filter = (IntakeStateFilter, "reason")
    list_select_related = ("offer__organisation", "resolved_by")
    search_fields = ("offer__title", "offer__description", "offer__organisation__legal_name")
    ordering = ("-created_at", "-id")
    actions = ("mark_answered",)
    list_per_page = 50
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.is_match_staff(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_match_staff(request.user) and super().has_view_permission(
            request, obj
        )

    @admin.display(description=_("offer"), ordering="offer__title")
    def offer_column(self, obj: IntakeItem) -> str:
        url = admin_url("admin:stakeholders_offer_change", obj.offer_id)
        if not url:
            return obj.offer.title
        return format_html('<a href="{}">{}</a>', url, obj.offer.title)

    @admin.display(description=_("organisation"), ordering="offer__organisation__legal_name")
    def organisation_column(self, obj: IntakeItem) -> str:
        return obj.offer.organisation.legal_name

    @admin.display(description=_("resource kind"), ordering="offer__resource_kind")
    def kind_column(self, obj: IntakeItem) -> str:
        return obj.offer.get_resource_kind_display()

    @admin.action(description=_("Mark the selected offers as answered"))
    def mark_answered(self, request: HttpRequest, queryset: QuerySet) -> None:
        act_on_each(
            self,
            request,
            queryset.filter(resolved_at__isnull=True).order_by("pk"),
            lambda item: services.answer_intake_item(item=item, actor=request.user),
            lambda n: (
                ngettext("%(n)d offer marked as answered.", "%(n)d offers marked as answered.", n)
                % {"n": n}
            ),
        )
