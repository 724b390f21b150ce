"""The queue's list filters and its order: what is late and what waits for a decision first."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import (
    Case,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import attention, permissions, sla
from ..models import (
    OPEN_STAGES,
    UNASSIGNED,
    Match,
)

# --- Queue filters -------------------------------------------------------------------------


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A list filter whose choice without a parameter is ``default(request)``, shown as
    selected (the admin's own "All" entry is left out)."""

    def default(self, request: HttpRequest) -> str:
        raise NotImplementedError

    def current(self, request: HttpRequest) -> str:
        value = self.value()
        choices = {lookup for lookup, _title in self.lookup_choices}
        return value if value in choices else self.default(request)

    def choices(self, changelist: Any):
        current = getattr(self, "_current", None) or self.value()
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class QueueFilter(DefaultChoiceFilter):
    """My queue (default for managers), Unassigned (team leads), All."""

    title = _("queue")
    parameter_name = "queue"
    MINE, UNASSIGNED, ALL = "mine", "unassigned", "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        choices: list[tuple[str, Any]] = []
        if permissions.is_match_staff(request.user):
            choices.append((self.MINE, _("My queue")))
        if permissions.is_team_lead(request.user):
            choices.append((self.UNASSIGNED, _("Unassigned")))
        choices.append((self.ALL, _("All")))
        return choices

    def default(self, request: HttpRequest) -> str:
        if permissions.is_team_lead(request.user) and self._unassigned_waiting():
            # A team lead's first job is what nobody has taken yet.
            return self.UNASSIGNED
        return self.MINE if permissions.is_match_staff(request.user) else self.ALL

    @staticmethod
    def _unassigned_waiting() -> bool:
        return Match.objects.unassigned().exists()

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        self._current = self.current(request)
        if self._current == self.MINE:
            queryset = queryset.filter(manager=request.user)
            # The queue is the work still open, unless a stage is asked for explicitly.
            if not request.GET.get("stage__exact"):
                queryset = queryset.filter(stage__in=OPEN_STAGES)
            return queryset
        if self._current == self.UNASSIGNED:
            return queryset.filter(UNASSIGNED)
        return queryset


class SlaFilter(admin.SimpleListFilter):
    title = _("first contact")
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            (sla.SlaState.LATE, sla.SLA_LABELS[sla.SlaState.LATE]),
            (sla.SlaState.DUE_TODAY, sla.SLA_LABELS[sla.SlaState.DUE_TODAY]),
            (sla.SlaState.ON_TIME, sla.SLA_LABELS[sla.SlaState.ON_TIME]),
            (sla.SlaState.CONTACTED, sla.SLA_LABELS[sla.SlaState.CONTACTED]),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        value = self.value()
        if value == sla.SlaState.LATE:
            return queryset.filter(sla.late_q(today=today))
        if value == sla.SlaState.DUE_TODAY:
            return queryset.filter(sla.due_today_q(today=today))
        if value == sla.SlaState.ON_TIME:
            return queryset.filter(sla.on_time_q(today=today))
        if value == sla.SlaState.CONTACTED:
            return queryset.filter(stage__in=OPEN_STAGES).exclude(stage__in=sla.WAITING_STAGES)
        return queryset


class DecisionFilter(admin.SimpleListFilter):
    """Worked matches whose offer or need has ended: the manager decides (matching.attention)."""

    title = _("offer or need ended")
    parameter_name = "decision"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Your decision needed"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(attention.needs_decision_q())
        return queryset


def sla_rank(today):
    """Late first, then due today, on time, other open matches, closed ones last."""
    return Case(
        When(sla.late_q(today=today), then=Value(0)),
        When(sla.due_today_q(today=today), then=Value(1)),
        When(stage__in=OPEN_STAGES, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
