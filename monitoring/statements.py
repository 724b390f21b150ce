"""The yearly company statement, the annual report and the public showcase.

The statement follows the structure of ESRS S3 (context and why the areas were chosen,
actions and resources, who was involved, results with outputs and outcomes apart,
verification, SDG targets, method and limits), so a company can use it in CSRD reporting or
in voluntary GRI 413 / B4SI reporting. Its annex (CSV and JSON) carries the same figures
with the indicator codes; the city's sign-off stores the annex's SHA-256.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from contactpoint.audit import log_action
from contactpoint.refusals import Refusal
from matching.models import Stage
from stakeholders.models import Organisation

from .indicators import PLAN_INDICATORS
from .kpis import OUTPUT_CODES, Filters
from .models import Collaboration, CompanyStatement, ImpactOutput, OutputKind

IRIS_BY_OUTPUT = {
    kind: next((row.get("iris_code", "") for row in PLAN_INDICATORS if row["code"] == code), "")
    for kind, code in OUTPUT_CODES.items()
}
SDG_BY_OUTPUT = {
    kind: next((row.get("sdg_target", "") for row in PLAN_INDICATORS if row["code"] == code), "")
    for kind, code in OUTPUT_CODES.items()
}


class StatementError(Refusal):
    """A statement that cannot be drawn up; the message is translatable."""


def _in_year(year: int) -> Q:
    start, end = Filters(year=year).bounds()
    return Q(started_at__lt=end) & (Q(completed_at__isnull=True) | Q(completed_at__gte=start))


def collaborations_of(organisation: Organisation, year: int) -> QuerySet[Collaboration]:
    """The organisation's collaborations active at some point of the year."""
    return (
        Collaboration.objects.filter(_in_year(year), match__offer__organisation=organisation)
        .select_related(
            "match__need__area", "match__need__neighbourhood__municipio", "match__offer"
        )
        .prefetch_related("outputs", "outcomes", "departments")
        .order_by("started_at", "pk")
    )


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


@dataclass
class Statement:
    organisation: Organisation
    year: int
    data: dict[str, Any]
    sign_off: CompanyStatement | None

    @property
    def annex_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, indent=2, sort_keys=True)

    @property
    def annex_sha256(self) -> str:
        return hashlib.sha256(self.annex_json.encode()).hexdigest()


def build_statement(*, organisation: Organisation, year: int) -> Statement:
    """Everything the statement says, as plain data (the JSON annex is exactly this)."""
    collaborations = list(collaborations_of(organisation, year))
    previous = {
        row["kind"]: row["total"]
        for row in ImpactOutput.objects.filter(
            collaboration__in=collaborations_of(organisation, year - 1)
        )
        .values("kind")
        .annotate(total=Sum("actual"))
    }
    totals: dict[str, Decimal] = {}
    items: list[dict[str, Any]] = []
    for record in collaborations:
        need = record.match.need
        outputs: list[dict[str, Any]] = []
        for output in record.outputs.all():
            if output.actual is not None:
                totals[output.kind] = totals.get(output.kind, Decimal(0)) + output.actual
            outputs.append(
                {
                    "indicator": OUTPUT_CODES[OutputKind(output.kind)],
                    "label": str(OutputKind(output.kind).label),
                    "expected": _plain(output.expected),
                    "actual": _plain(output.actual),
                    "iris_code": IRIS_BY_OUTPUT[OutputKind(output.kind)],
                    "sdg_target": SDG_BY_OUTPUT[OutputKind(output.kind)],
                }
            )
        items.append(
            {
                "need": need.title,
                "area": need.area.name,
                "neighbourhood": need.neighbourhood.name if need.neighbourhood else "",
                "municipio": need.neighbourhood.municipio.name if need.neighbourhood else "",
                "why_this_area": record.why_this_area,
                "engagement_method": str(record.get_engagement_method_display()),
                "started": record.started_at.date().isoformat(),
                "completed": record.completed_at.date().isoformat()
                if record.completed_at
                else None,
                "departments": [d.name for d in record.departments.all()],
                "co_designed_with": record.co_designed_with,
                "resources": {"cash_eur": _plain(record.cash_eur)},
                "outputs": outputs,
                "outcomes": [
                    {
                        "dimension": str(outcome.get_dimension_display()),
                        "outcome": outcome.description,
                        "expected": outcome.expected,
                        "actual": outcome.actual,
                        "sdg_target": outcome.sdg_target,
                    }
                    for outcome in record.outcomes.all()
                ],
                "verification_level": str(record.get_verification_level_display()),
                "beneficiary_confirmed": record.confirmed_at is not None,
                "evaluation": record.evaluation,
                "method_and_limits": record.method_and_limits,
            }
        )
    data: dict[str, Any] = {
        "organisation": organisation.legal_name,
        "tax_code": organisation.tax_code or organisation.vat_number,
        "year": year,
        "collaborations": items,
        "totals": {
            OUTPUT_CODES[OutputKind(kind)]: {
                "actual": _plain(totals.get(kind)),
                "previous_year": _plain(previous.get(kind)),
            }
            for kind in OutputKind.values
        },
        "sdg_targets": sorted(
            {
                o["sdg_target"]
                for i in items
                for o in i["outputs"] + i["outcomes"]
                if o["sdg_target"]
            }
        ),
        "frameworks": ["ESRS S3-4 §32(c)-(d), AR 34-36", "GRI 413-1", "B4SI"],
    }
    sign_off = CompanyStatement.objects.filter(organisation=organisation, year=year).first()
    return Statement(organisation=organisation, year=year, data=data, sign_off=sign_off)


def statement_csv(statement: Statement) -> str:
    """One row per output and outcome, with indicator codes: the annex for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "year",
            "need",
            "level",
            "indicator",
            "label",
            "expected",
            "actual",
            "previous_year",
            "verification_level",
            "sdg_target",
            "iris_code",
        ]
    )
    totals = statement.data["totals"]
    for item in statement.data["collaborations"]:
        for output in item["outputs"]:
            writer.writerow(
                [
                    statement.year,
                    item["need"],
                    "output",
                    output["indicator"],
                    output["label"],
                    output["expected"] or "",
                    output["actual"] or "",
                    totals[output["indicator"]]["previous_year"] or "",
                    item["verification_level"],
                    output["sdg_target"],
                    output["iris_code"],
                ]
            )
        for outcome in item["outcomes"]:
            writer.writerow(
                [
                    statement.year,
                    item["need"],
                    "outcome",
                    outcome["dimension"],
                    outcome["outcome"],
                    outcome["expected"],
                    outcome["actual"],
                    "",
                    item["verification_level"],
                    outcome["sdg_target"],
                    "",
                ]
            )
    return out.getvalue()


def statement_pdf(statement: Statement) -> bytes:
    from contactpoint.pdf import html_to_pdf  # weasyprint loads slowly: on use

    html = render_to_string(
        "monitoring/company_statement_pdf.html",
        {
            "statement": statement,
            "data": statement.data,
            "LANGUAGE_CODE": translation.get_language() or settings.LANGUAGE_CODE,
        },
    )
    return html_to_pdf(html)


def sign_off(*, organisation: Organisation, year: int, actor: Any) -> CompanyStatement:
    """The city signs the statement off: once per organisation and year, with the annex hash."""
    statement = build_statement(organisation=organisation, year=year)
    if not statement.data["collaborations"]:
        raise StatementError(_("There is no collaboration in this year to sign off."))
    try:
        with transaction.atomic():
            record = CompanyStatement.objects.create(
                organisation=organisation,
                year=year,
                signed_off_by=actor,
                signed_off_at=timezone.now(),
                annex_sha256=statement.annex_sha256,
            )
            log_action(
                actor=actor,
                action="monitoring.statement.signed_off",
                obj=record,
                payload={"year": year, "sha256": record.annex_sha256},
            )
    except IntegrityError as exc:
        raise StatementError(_("This statement is already signed off.")) from exc
    return record


# --- Showcase and annual report ----------------------------------------------------------


def nameable() -> Q:
    """Organisations that let the city name them in its communication."""
    return Q(match__offer__organisation__allow_press=True) | Q(match__offer__allow_press=True)


def showcase(*, year: int | None = None) -> QuerySet[Collaboration]:
    """Completed collaborations for the public; unnamed ones stay anonymous in the template."""
    queryset = Collaboration.objects.filter(
        match__stage=Stage.COMPLETED, completed_at__isnull=False
    )
    if year:
        start, end = Filters(year=year).bounds()
        queryset = queryset.filter(completed_at__gte=start, completed_at__lt=end)
    return (
        queryset.select_related(
            "match__need__area", "match__need__neighbourhood", "match__offer__organisation"
        )
        .prefetch_related("outputs")
        .order_by("-completed_at", "-pk")
    )


def acknowledged(*, year: int) -> list[str]:
    """Names of the organisations to thank publicly for the year (only those who allow it)."""
    start, end = Filters(year=year).bounds()
    return sorted(
        set(
            Collaboration.objects.filter(
                nameable(), completed_at__gte=start, completed_at__lt=end
            ).values_list("match__offer__organisation__legal_name", flat=True)
        )
    )


def statement_index(*, member: Any = None) -> list[dict[str, Any]]:
    """Organisations with collaborations, each with the years they were active in and how
    many collaborations per year (newest year first); only ``member``'s organisations when
    given. One query."""
    from stakeholders.models import OrganisationMembership

    queryset = Collaboration.objects.filter(match__offer__organisation__merged_into__isnull=True)
    if member is not None:
        queryset = queryset.filter(
            match__offer__organisation_id__in=OrganisationMembership.objects.filter(
                user_id=member.pk
            ).values("organisation_id")
        )
    rows = queryset.values_list(
        "match__offer__organisation_id",
        "match__offer__organisation__legal_name",
        "started_at",
        "completed_at",
    )
    this_year = timezone.localdate().year
    index: dict[int, dict[str, Any]] = {}
    for pk, name, started, completed in rows:
        entry = index.setdefault(pk, {"pk": pk, "name": name, "years": {}})
        first = timezone.localtime(started).year
        last = timezone.localtime(completed).year if completed else this_year
        for year in range(first, min(last, this_year) + 1):
            entry["years"][year] = entry["years"].get(year, 0) + 1
    return [
        {**entry, "years": sorted(entry["years"].items(), reverse=True)}
        for entry in sorted(index.values(), key=lambda e: e["name"].lower())
    ]


def is_member(*, user: Any, organisation: Organisation) -> bool:
    from stakeholders.models import OrganisationMembership

    return OrganisationMembership.objects.filter(
        user_id=user.pk, organisation_id=organisation.pk
    ).exists()
