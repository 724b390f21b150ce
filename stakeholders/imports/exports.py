"""Export of organisations and contacts as CSV or XLSX, safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import tablib
from django.db.models import QuerySet

from ..models import ContactPerson, Organisation
from .contacts import CONTACT_COLUMNS
from .organisations import ORGANISATION_COLUMNS
from .reading import FORMATS, ORGANISATIONS

# --- Export -------------------------------------------------------------------------------


def _safe(value: Any) -> Any:
    """Defuse spreadsheet formulas in exported text (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def organisation_rows(queryset: QuerySet[Organisation]) -> Iterable[list[Any]]:
    for organisation in queryset.prefetch_related("interests").order_by("legal_name", "pk"):
        yield [
            organisation.kind,
            organisation.legal_name,
            organisation.tax_code,
            organisation.vat_number,
            organisation.website,
            organisation.email_domain,
            organisation.size,
            organisation.sector,
            "; ".join(sorted(area.slug for area in organisation.interests.all())),
            _yes_no(organisation.local_group),
            _yes_no(organisation.focus_group),
        ]


def contact_rows(queryset: QuerySet[ContactPerson]) -> Iterable[list[Any]]:
    for contact in queryset.select_related("organisation").order_by(
        "organisation__legal_name", "last_name", "pk"
    ):
        organisation = contact.organisation
        yield [
            organisation.tax_code or organisation.vat_number,
            organisation.legal_name,
            contact.first_name,
            contact.last_name,
            contact.role,
            contact.email,
            contact.phone,
            contact.language,
        ]


def export(*, kind: str, queryset: QuerySet, fmt: str) -> bytes:
    """The queryset as a CSV (UTF-8 with BOM, for Excel) or XLSX file importable again."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    headers: tuple[str, ...] = ORGANISATION_COLUMNS if kind == ORGANISATIONS else CONTACT_COLUMNS
    rows = organisation_rows(queryset) if kind == ORGANISATIONS else contact_rows(queryset)
    dataset = tablib.Dataset(headers=list(headers))
    for row in rows:
        dataset.append([_safe(value) for value in row])
    if fmt == "csv":
        return ("\ufeff" + dataset.export("csv")).encode("utf-8")
    return dataset.export("xlsx")


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
