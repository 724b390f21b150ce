"""Every KPI of the monitoring framework, computed from the data with SQL aggregates.

``dashboard(filters)`` runs a fixed number of queries whatever the size of the data: each
figure is one aggregate (or one grouped query for a breakdown), never a Python loop over rows.
Values are per calendar year (Europe/Rome) and come with the previous year's value, the
plan's trend evaluation. Filters by intervention area and Municipio narrow what depends on a
need (funnel, collaborations, impact, coverage); training and the registry are city-wide.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from matching.models import Stage
from needs.models import Department, Need
from stakeholders.models import Consent, Organisation

from . import surveys
from .models import (
    Collaboration,
    EngagementMethod,
    ImpactOutput,
    Indicator,
    OutputKind,
    SurveyInvitation,
    TrainingAttendance,
)

FUNNEL = ("offers", "matched", "contacted", "agreed", "delivered", "completed")
OUTPUT_CODES = {
    OutputKind.BENEFICIARIES: "impact_beneficiaries",
    OutputKind.DEVICES: "impact_devices",
    OutputKind.PUPILS: "impact_pupils",
    OutputKind.VOLUNTEER_HOURS: "impact_volunteer_hours",
    OutputKind.VALUE_IN_KIND: "impact_value_in_kind",
}
TREND_YEARS = 5


@dataclass(frozen=True)
class Filters:
    year: int
    area_id: int | None = None
    municipio_id: int | None = None

    def previous(self) -> Filters:
        return dataclasses.replace(self, year=self.year - 1)

    def bounds(self) -> tuple[datetime, datetime]:
        zone = ZoneInfo(settings.TIME_ZONE)
        return datetime(self.year, 1, 1, tzinfo=zone), datetime(self.year + 1, 1, 1, tzinfo=zone)


@dataclass
class KpiValue:
    code: str
    name: str
    unit: str
    level: str
    value: Decimal | None
    previous: Decimal | None
    target: Decimal | None
    baseline: Decimal | None
    sdg_target: str = ""
    iris_code: str = ""
    definition: str = ""

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def progress(self) -> int | None:
        """Percent of the target reached (capped at 100), for the card's bar."""
        if self.value is None or not self.target:
            return None
        return max(0, min(100, int(self.value * 100 / self.target)))

    @property
    def on_target(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        if self.target == 0:
            return self.value == 0
        return self.value >= self.target


@dataclass
class Dashboard:
    filters: Filters
    kpis: dict[str, KpiValue]
    funnel: list[tuple[str, int]]
    trend: list[dict[str, Any]]
    by_area: list[dict[str, Any]]
    by_municipio: list[dict[str, Any]]
    by_nil: list[dict[str, Any]]
    by_method: list[dict[str, Any]]
    survey_topics: list[dict[str, Any]]
    generated_at: datetime = field(default_factory=timezone.now)


def _d(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.01")).normalize() + Decimal(0)


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return _d(Decimal(part) * 100 / Decimal(whole))


def _need_filter(filters: Filters, prefix: str = "") -> Q:
    q = Q()
    if filters.area_id:
        q &= Q(**{f"{prefix}area_id": filters.area_id})
    if filters.municipio_id:
        q &= Q(**{f"{prefix}neighbourhood__municipio_id": filters.municipio_id})
    return q


# --- One query each ------------------------------------------------------------------------


def training_values(filters: Filters) -> dict[str, Decimal | None]:
    """People trained in the year (unique e-mails) and share of departments reached."""
    start, end = filters.bounds()
    in_year = TrainingAttendance.objects.filter(
        session__date__gte=start.date(), session__date__lt=end.date()
    )
    people = in_year.aggregate(n=Count("email", distinct=True))["n"]
    row = Department.objects.aggregate(
        total=Count("pk"),
        trained=Count("pk", filter=Q(pk__in=in_year.values("department_id"))),
    )
    return {
        "people_trained": _d(people),
        "departments_trained": _share(row["trained"], row["total"]),
    }


def collaboration_values(filters: Filters) -> dict[str, Decimal | None]:
    """Projects started, cross-department ones, evaluations on completed ones."""
    start, end = filters.bounds()
    base = Collaboration.objects.filter(_need_filter(filters, "match__need__"))
    multi = (
        Collaboration.departments.through.objects.filter(collaboration_id=OuterRef("pk"))
        .values("collaboration_id")
        .annotate(n=Count("department_id"))
        .filter(n__gte=2)  # type: ignore[misc]
    )
    started = Q(started_at__gte=start, started_at__lt=end)
    completed = Q(completed_at__gte=start, completed_at__lt=end)
    row = base.aggregate(
        started=Count("pk", filter=started),
        cross=Count("pk", filter=started & Q(Exists(multi))),
        completed=Count("pk", filter=completed),
        evaluated=Count("pk", filter=completed & Q(evaluated_at__isnull=False)),
    )
    return {
        "projects_started": _d(row["started"]),
        "cross_department": _d(row["cross"]),
        "evaluations_done": _share(row["evaluated"], row["completed"]),
    }


def impact_values(filters: Filters) -> dict[str, Decimal | None]:
    """Sums of actual outputs of the collaborations started in the year."""
    start, end = filters.bounds()
    sums = ImpactOutput.objects.filter(
        _need_filter(filters, "collaboration__match__need__"),
        collaboration__started_at__gte=start,
        collaboration__started_at__lt=end,
    ).aggregate(**{code: Sum("actual", filter=Q(kind=kind)) for kind, code in OUTPUT_CODES.items()})
    return {code: _d(value or 0) for code, value in sums.items()}


def registry_values(filters: Filters) -> dict[str, Decimal | None]:
    """Organisations registered by the end of the year, share with consent and reviewed."""
    _start, end = filters.bounds()
    consent = Consent.objects.filter(
        contact__organisation_id=OuterRef("pk"),
        purpose=Consent.Purpose.CONTACT,
        given_at__lt=end,
    ).filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=end))
    row = (
        Organisation.objects.active()
        .filter(created_at__lt=end)
        .aggregate(
            total=Count("pk"),
            consented=Count("pk", filter=Q(Exists(consent))),
            reviewed=Count("pk", filter=Q(updated_at__gte=end - timedelta(days=365))),
        )
    )
    return {
        "organisations_registered": _d(row["total"]),
        "organisations_with_consent": _share(row["consented"], row["total"]),
        "organisations_reviewed": _share(row["reviewed"], row["total"]),
    }


FUNNEL_SQL = """
WITH offers AS (
    SELECT o.id, o.created_at
    FROM stakeholders_offer o
    WHERE o.created_at >= %(start)s AND o.created_at < %(end)s
      AND (%(area)s::bigint IS NULL
           OR EXISTS (SELECT 1 FROM stakeholders_offer_areas a
                      WHERE a.offer_id = o.id AND a.interventionarea_id = %(area)s)
           OR EXISTS (SELECT 1 FROM matching_match m JOIN needs_need n ON n.id = m.need_id
                      WHERE m.offer_id = o.id AND n.area_id = %(area)s))
      AND (%(municipio)s::bigint IS NULL
           OR EXISTS (SELECT 1 FROM stakeholders_offer_municipi om
                      WHERE om.offer_id = o.id AND om.municipio_id = %(municipio)s)
           OR EXISTS (SELECT 1 FROM matching_match m JOIN needs_need n ON n.id = m.need_id
                      JOIN needs_neighbourhood nil ON nil.id = n.neighbourhood_id
                      WHERE m.offer_id = o.id AND nil.municipio_id = %(municipio)s))
), steps AS (
    SELECT offers.id, offers.created_at,
        count(m.id) AS matches,
        min(m.contacted_at) AS first_contact,
        bool_or(m.stage = ANY(%(agreed_or_later)s)) AS agreed_now,
        bool_or(m.stage = ANY(%(delivered_or_later)s)) AS delivered_now,
        bool_or(m.stage = %(completed)s) AS completed,
        min(e.created_at) FILTER (WHERE e.to_stage = %(agreed)s) AS agreed_at,
        bool_or(e.to_stage = %(in_delivery)s) AS delivered_event
    FROM offers
    LEFT JOIN matching_match m ON m.offer_id = offers.id
    LEFT JOIN matching_matchevent e ON e.match_id = m.id AND e.to_stage = ANY(%(event_stages)s)
    GROUP BY offers.id, offers.created_at
)
SELECT
    count(*),
    count(*) FILTER (WHERE matches > 0),
    count(*) FILTER (WHERE first_contact IS NOT NULL),
    count(*) FILTER (WHERE agreed_now OR agreed_at IS NOT NULL),
    count(*) FILTER (WHERE delivered_now OR delivered_event),
    count(*) FILTER (WHERE completed),
    percentile_cont(0.5) WITHIN GROUP (
        ORDER BY extract(epoch FROM first_contact - created_at) / 86400.0),
    percentile_cont(0.5) WITHIN GROUP (
        ORDER BY extract(epoch FROM agreed_at - created_at) / 86400.0)
FROM steps
"""


def funnel_values(filters: Filters) -> dict[str, Decimal | None]:
    """Offers of the year at each step of the funnel, and the median delays (one query).

    A step counts as reached when a match of the offer is at that stage or beyond, or its
    timeline records the move (a match that was agreed and then withdrawn still counts).
    """
    start, end = filters.bounds()
    params = {
        "start": start,
        "end": end,
        "area": filters.area_id,
        "municipio": filters.municipio_id,
        "agreed_or_later": [Stage.AGREED, Stage.IN_DELIVERY, Stage.COMPLETED],
        "delivered_or_later": [Stage.IN_DELIVERY, Stage.COMPLETED],
        "completed": Stage.COMPLETED,
        "agreed": Stage.AGREED,
        "in_delivery": Stage.IN_DELIVERY,
        "event_stages": [Stage.AGREED, Stage.IN_DELIVERY],
    }
    with connection.cursor() as cursor:
        cursor.execute(FUNNEL_SQL, params)
        row = cursor.fetchone()
    values: dict[str, Decimal | None] = {
        f"funnel_{step}": _d(count) for step, count in zip(FUNNEL, row[:6], strict=True)
    }
    values["days_to_first_contact"] = _d(round(row[6], 1)) if row[6] is not None else None
    values["days_to_agreement"] = _d(round(row[7], 1)) if row[7] is not None else None
    return values


def need_values(filters: Filters, *, current: bool) -> dict[str, Decimal | None]:
    """Share of the year's needs covered; stale needs (only meaningful for today)."""
    start, end = filters.bounds()
    covered = Q(status=Need.Status.COVERED) | Q(quantity_open__lt=F("quantity"))
    stale = Need.objects.published().stale().filter(_need_filter(filters)).values("pk")
    in_year = Q(created_at__gte=start, created_at__lt=end)
    aggregates: dict[str, Any] = {
        "total": Count("pk", filter=in_year),
        "covered": Count("pk", filter=in_year & covered),
    }
    if current:  # stale is a state of today: not computed for past years
        aggregates["stale"] = Count("pk", filter=Q(pk__in=stale))
    row = (
        Need.objects.exclude(status=Need.Status.DRAFT)
        .filter(_need_filter(filters))
        .aggregate(**aggregates)
    )
    return {
        "needs_covered": _share(row["covered"], row["total"]),
        "stale_needs": _d(row["stale"]) if current else None,
    }


def survey_values(filters: Filters) -> dict[str, Decimal | None]:
    """Response rate of the year's survey campaign (answered / invited)."""
    row = SurveyInvitation.objects.filter(
        campaign__year=filters.year, sent_at__isnull=False
    ).aggregate(sent=Count("pk"), answered=Count("pk", filter=Q(responded_at__isnull=False)))
    return {"survey_response_rate": _share(row["answered"], row["sent"])}


def values_for(filters: Filters, *, current: bool = True) -> dict[str, Decimal | None]:
    """Every KPI value for one year: eight queries."""
    return {
        **survey_values(filters),
        **training_values(filters),
        **collaboration_values(filters),
        **impact_values(filters),
        **registry_values(filters),
        **funnel_values(filters),
        **need_values(filters, current=current),
    }


# --- Breakdowns for the charts and the map (one grouped query each) -----------------------


def needs_by(filters: Filters, group: str, label: str) -> list[dict[str, Any]]:
    start, end = filters.bounds()
    rows = (
        Need.objects.exclude(status=Need.Status.DRAFT)
        .filter(_need_filter(filters), created_at__gte=start, created_at__lt=end)
        .exclude(**{f"{group}__isnull": True})
        .values(group, label)
        .annotate(
            total=Count("pk"),
            covered=Count(
                "pk",
                filter=Q(status=Need.Status.COVERED) | Q(quantity_open__lt=F("quantity")),
            ),
        )
        .order_by(label)
    )
    return [
        {
            "id": row[group],
            "label": row[label],
            "total": row["total"],
            "covered": row["covered"],
            "open": row["total"] - row["covered"],
            "share": _share(row["covered"], row["total"]),
        }
        for row in rows
    ]


def by_method(filters: Filters) -> list[dict[str, Any]]:
    start, end = filters.bounds()
    rows = (
        Collaboration.objects.filter(
            _need_filter(filters, "match__need__"), started_at__gte=start, started_at__lt=end
        )
        .values("engagement_method")
        .annotate(n=Count("pk"))
        .order_by("engagement_method")
    )
    return [
        {
            "method": row["engagement_method"],
            "label": str(EngagementMethod(row["engagement_method"]).label),
            "count": row["n"],
        }
        for row in rows
    ]


TREND_SQL = """
SELECT y.year,
    (SELECT count(*) FROM stakeholders_offer o
     WHERE o.created_at >= make_timestamptz(y.year, 1, 1, 0, 0, 0, %(tz)s)
       AND o.created_at < make_timestamptz(y.year + 1, 1, 1, 0, 0, 0, %(tz)s)),
    (SELECT count(*) FROM monitoring_collaboration c
     WHERE c.started_at >= make_timestamptz(y.year, 1, 1, 0, 0, 0, %(tz)s)
       AND c.started_at < make_timestamptz(y.year + 1, 1, 1, 0, 0, 0, %(tz)s)),
    (SELECT count(*) FROM monitoring_collaboration c
     WHERE c.completed_at >= make_timestamptz(y.year, 1, 1, 0, 0, 0, %(tz)s)
       AND c.completed_at < make_timestamptz(y.year + 1, 1, 1, 0, 0, 0, %(tz)s))
FROM generate_series(%(first)s::int, %(last)s::int) AS y(year)
ORDER BY y.year
"""


def trend(filters: Filters) -> list[dict[str, Any]]:
    """Offers, collaborations started and completed over the last years (city-wide)."""
    with connection.cursor() as cursor:
        cursor.execute(
            TREND_SQL,
            {
                "tz": settings.TIME_ZONE,
                "first": filters.year - TREND_YEARS + 1,
                "last": filters.year,
            },
        )
        rows = cursor.fetchall()
    return [
        {"year": year, "offers": offers, "started": started, "completed": completed}
        for year, offers, started, completed in rows
    ]


def kpi_values(filters: Filters) -> dict[str, KpiValue]:
    """The registry's indicators with this year's and last year's values."""
    this_year = timezone.localdate().year
    current = values_for(filters, current=filters.year >= this_year)
    previous = values_for(filters.previous(), current=False)
    result = {}
    for indicator in Indicator.objects.all():
        if indicator.code not in current:
            continue
        result[indicator.code] = KpiValue(
            code=indicator.code,
            name=indicator.display_name,
            unit=indicator.unit,
            level=indicator.level,
            value=current[indicator.code],
            previous=previous[indicator.code],
            target=indicator.target,
            baseline=indicator.baseline,
            sdg_target=indicator.sdg_target,
            iris_code=indicator.iris_code,
            definition=indicator.definition,
        )
    return result


def dashboard(filters: Filters) -> Dashboard:
    kpis = kpi_values(filters)
    return Dashboard(
        filters=filters,
        kpis=kpis,
        funnel=[
            (step, int(kpis[f"funnel_{step}"].value or 0))
            for step in FUNNEL
            if f"funnel_{step}" in kpis
        ],
        trend=trend(filters),
        by_area=needs_by(filters, "area_id", "area__name"),
        by_municipio=needs_by(
            filters, "neighbourhood__municipio_id", "neighbourhood__municipio__name"
        ),
        by_nil=needs_by(filters, "neighbourhood_id", "neighbourhood__name"),
        by_method=by_method(filters),
        survey_topics=surveys.candidate_topics(year=filters.year),
    )
