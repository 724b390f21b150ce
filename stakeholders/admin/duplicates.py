"""Possible duplicates in the admin: the flags' list, merge and dismiss."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contactpoint.admin_scope import act_on_each

from .. import duplicates
from ..models import (
    DuplicateFlag,
    Organisation,
)
from .common import EmptyByDefaultFilter


class OpenFlagFilter(EmptyByDefaultFilter):
    title = gettext_lazy("status")
    parameter_name = "open"
    default_label = gettext_lazy("To check")
    field = "resolved_at"
    set_choice = ("no", gettext_lazy("Resolved"))


@admin.register(DuplicateFlag)
class DuplicateFlagAdmin(admin.ModelAdmin):
    list_display = (
        "organisation_link",
        "candidate_link",
        "reason_display",
        "similarity_percent",
        "created_at",
        "resolution",
        "merge_link",
    )
    list_select_related = ("organisation", "candidate")
    list_filter = (OpenFlagFilter,)
    search_fields = ("organisation__legal_name", "candidate__legal_name", "=organisation__id")
    actions = ("dismiss_selected",)
    readonly_fields = (
        "organisation",
        "candidate",
        "offer",
        "submitted_name",
        "reason",
        "similarity",
        "created_at",
        "resolved_at",
        "resolution",
    )
    ordering = ("-created_at",)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # From the organisations list, "?q=<id>" shows that organisation's flags either way.
        if search_term.isdigit():
            pk = int(search_term)
            return queryset.filter(Q(organisation_id=pk) | Q(candidate_id=pk)), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=gettext_lazy("organisation"), ordering="organisation__legal_name")
    def organisation_link(self, flag: DuplicateFlag) -> Any:
        return self._link(flag.organisation)

    @admin.display(description=gettext_lazy("looks like"), ordering="candidate__legal_name")
    def candidate_link(self, flag: DuplicateFlag) -> Any:
        if flag.offer_id is not None:
            # An offer's flag about its own organisation: what the offer said instead.
            return format_html(
                '“{}” <a href="{}">{}</a>',
                flag.submitted_name,
                reverse("admin:stakeholders_offer_change", args=[flag.offer_id]),
                _("offer #%(id)s") % {"id": flag.offer_id},
            )
        return self._link(flag.candidate)

    def _link(self, organisation: Organisation) -> Any:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:stakeholders_organisation_change", args=[organisation.pk]),
            organisation.legal_name,
        )

    @admin.display(description=gettext_lazy("reason"))
    def reason_display(self, flag: DuplicateFlag) -> str:
        return duplicates.describe_reason(flag.reason)

    @admin.display(description=gettext_lazy("name similarity"), ordering="similarity")
    def similarity_percent(self, flag: DuplicateFlag) -> str:
        return f"{round(flag.similarity * 100)}%" if flag.similarity else "-"

    @admin.display(description=gettext_lazy("merge"))
    def merge_link(self, flag: DuplicateFlag) -> Any:
        if flag.resolved_at is not None or flag.organisation_id == flag.candidate_id:
            return "-"
        return format_html(
            '<a class="button" href="{}?ids={},{}">{}</a>',
            reverse("admin:stakeholders_organisation_merge"),
            flag.candidate_id,
            flag.organisation_id,
            _("Merge…"),
        )

    @admin.action(
        description=gettext_lazy("Not the same organisation: dismiss"), permissions=["change"]
    )
    def dismiss_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        act_on_each(
            self,
            request,
            queryset.filter(resolved_at__isnull=True),
            lambda flag: duplicates.dismiss_duplicate_flag(flag=flag, actor=request.user),
            lambda n: (
                ngettext(
                    "%(n)d possible duplicate dismissed.", "%(n)d possible duplicates dismissed.", n
                )
                % {"n": n}
            ),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pass  # every field is read-only: changes happen through merge and dismiss
