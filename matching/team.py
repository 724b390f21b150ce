"""Read-only pictures of the work: the team lead's team view and the staff overview.

The team view puts first what nobody is working on yet (unassigned open matches, the
oldest first) and then each account manager's load, so a team lead sees at a glance who
can take more. The overview counts offers, matches and needs by state for the Mayor's
Cabinet and the legal team until the dashboard and the vademecum exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from needs.models import Need
from stakeholders.models import Offer

from . import routing, sla
from .models import OPEN_STAGES, UNASSIGNED, Absence, AccountManagerProfile, Match, Stage

UNASSIGNED_SHOWN = 50


def unassigned_matches() -> QuerySet[Match]:
    """Open matches with no manager, the ones waiting longest first (one query)."""
    return (
        Match.objects.unassigned()
        .select_related("need__area", "need__department", "offer__organisation")
        .order_by("created_at", "id")
    )


def manager_loads(*, today: date) -> QuerySet[AccountManagerProfile]:
    """Every account manager with their open matches, weighted load and late first
    contacts, the most loaded first (one query)."""
    late = sla.late_q(today=today, prefix="user__managed_matches__")
    return (
        AccountManagerProfile.objects.select_related("user")
        .annotate(
            load=routing.weighted_load(),
            open_count=Count(
                "user__managed_matches",
                filter=Q(user__managed_matches__stage__in=OPEN_STAGES),
                distinct=True,
            ),
            late_count=Count("user__managed_matches", filter=late, distinct=True),
            absent=Exists(
                Absence.objects.filter(profile_id=OuterRef("pk"), start__lte=today, end__gte=today)
            ),
        )
        .order_by("-load", "user__last_name", "user__first_name", "pk")
    )


@dataclass(frozen=True)
class StateCount:
    label: Any
    value: int


def _counts(queryset: QuerySet, field: str, choices: Any) -> list[StateCount]:
    found = dict(queryset.order_by().values_list(field).annotate(n=Count("pk")))
    return [StateCount(label=label, value=found.get(value, 0)) for value, label in choices]


def overview(*, today: date) -> dict[str, Any]:
    """Offers, matches and needs counted by state, plus what needs attention (four queries)."""
    attention = Match.objects.aggregate(
        late=Count(
            "pk",
            filter=sla.late_q(today=today),
        ),
        unassigned=Count("pk", filter=UNASSIGNED),
    )
    return {
        "offer_counts": _counts(Offer.objects.all(), "status", Offer.Status.choices),
        "match_counts": _counts(Match.objects.all(), "stage", Stage.choices),
        "need_counts": _counts(Need.objects.all(), "status", Need.Status.choices),
        "late_matches": attention["late"],
        "unassigned_matches": attention["unassigned"],
    }
