"""The account managers' profiles and absences, holidays, notifications, outreach."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import (
    Exists,
    ManyToManyField,
    OuterRef,
    QuerySet,
)
from django.forms import CheckboxSelectMultiple
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from contactpoint.admin_scope import NotFoundOutsideScope, ReadOnlyAdmin

from .. import engine, permissions, routing
from ..models import (
    Absence,
    AccountManagerProfile,
    Holiday,
    Notification,
    OutreachSuggestion,
)

# --- Account managers, holidays, notifications ----------------------------------------------


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 1
    fields = ("start", "end", "note")


@admin.register(AccountManagerProfile)
class AccountManagerProfileAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "areas_column",
        "load_column",
        "capacity",
        "available",
        "absent_column",
        "last_assigned_at",
    )
    list_filter = ("available", "areas")
    search_fields = ("user__email", "user__first_name", "user__last_name")
    list_select_related = ("user",)
    # Tick boxes instead of a Ctrl-click list: usable on a phone.
    formfield_overrides = {ManyToManyField: {"widget": CheckboxSelectMultiple}}
    fields = ("user", "areas", "capacity", "available", "language", "last_assigned_at")
    readonly_fields = ("last_assigned_at",)
    inlines = (AbsenceInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("areas")
            .annotate(load=routing.weighted_load())
            .annotate(
                absent=Exists(
                    Absence.objects.filter(
                        profile_id=OuterRef("pk"),
                        start__lte=timezone.localdate(),
                        end__gte=timezone.localdate(),
                    )
                )
            )
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "user":
            kwargs["queryset"] = permissions.eligible_managers()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("areas of expertise"))
    def areas_column(self, obj: AccountManagerProfile) -> str:
        return ", ".join(str(area) for area in obj.areas.all())

    @admin.display(description=_("load"), ordering="load")
    def load_column(self, obj: AccountManagerProfile) -> str:
        return f"{routing.profile_load(obj)} / {obj.capacity}"

    @admin.display(description=_("absent today"), boolean=True)
    def absent_column(self, obj: AccountManagerProfile) -> bool:
        return routing.profile_absent(obj)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "name")
    date_hierarchy = "date"
    search_fields = ("name",)

    @admin.display(description=_("weekday"))
    def weekday(self, obj: Holiday) -> str:
        return format_date(obj.date, "l")


@admin.register(Notification)
class NotificationAdmin(NotFoundOutsideScope, ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "match", "sent_at", "digest_sent_at")
    # Read-only: a choice list of matches would take the match admin's queue ordering,
    # which exists only on that admin's own annotated queryset.
    readonly_fields = ("match",)
    list_filter = ("kind",)
    list_select_related = ("recipient", "match__need", "match__offer")
    search_fields = ("recipient__email", "dedup_key")
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if permissions.is_team_lead(request.user):
            return queryset
        return queryset.filter(recipient=request.user)


@admin.register(OutreachSuggestion)
class OutreachSuggestionAdmin(admin.ModelAdmin):
    """Organisations to approach for a need (the engine's suggestions), read-only."""

    list_display = ("need", "organisation", "score_column", "reasons_column", "created_at")
    list_select_related = ("need", "organisation")
    search_fields = ("need__title", "organisation__legal_name")

    @admin.display(description=_("score"), ordering="score")
    def score_column(self, obj: OutreachSuggestion) -> str:
        return number_format(obj.score, 2)

    @admin.display(description=_("why"))
    def reasons_column(self, obj: OutreachSuggestion) -> str:
        return "; ".join(engine.describe_outreach(obj.reason))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.is_match_staff(request.user) and super().has_module_permission(request)
