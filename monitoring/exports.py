"""The dashboard as CSV and PDF (weasyprint): the same figures the page shows."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .kpis import Dashboard


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def dashboard_csv(board: Dashboard) -> str:
    """One row per KPI, then the funnel and the coverage by area and Municipio."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("section"),
            _("code"),
            _("indicator"),
            _("unit"),
            str(board.filters.year),
            str(board.filters.year - 1),
            _("target"),
            _("baseline"),
            _("SDG target"),
            _("IRIS+ code"),
        ]
    )
    for kpi in board.kpis.values():
        writer.writerow(
            [
                "kpi",
                kpi.code,
                kpi.name,
                kpi.unit,
                _plain(kpi.value),
                _plain(kpi.previous),
                _plain(kpi.target),
                _plain(kpi.baseline),
                kpi.sdg_target,
                kpi.iris_code,
            ]
        )
    for section, rows in (("area", board.by_area), ("municipio", board.by_municipio)):
        for row in rows:
            writer.writerow(
                [
                    section,
                    row["id"],
                    row["label"],
                    _("needs covered / published"),
                    f"{row['covered']}/{row['total']}",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
    return out.getvalue()


def dashboard_pdf(board: Dashboard, context: dict[str, Any]) -> bytes:
    from contactpoint.pdf import html_to_pdf  # weasyprint loads slowly: on use

    language = translation.get_language() or settings.LANGUAGE_CODE
    html = render_to_string(
        "monitoring/dashboard_pdf.html", {"board": board, **context, "LANGUAGE_CODE": language}
    )
    return html_to_pdf(html)
