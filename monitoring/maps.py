"""The coverage map: every NIL drawn at its centre point, as SVG, from the reference data.

The reference data has each NIL's centre (latitude, longitude), not its boundary, so the map
is a dot map, labelled as such: one circle per NIL, placed by an equirectangular projection
corrected for Milan's latitude, coloured by the share of its needs that are covered. No
tiles, nothing from outside: it works offline and prints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from needs.models import Neighbourhood

WIDTH = 600
HEIGHT = 520
PADDING = 24


@dataclass
class Dot:
    nil_id: int
    name: str
    municipio: int
    x: float
    y: float
    r: float
    css_class: str
    total: int
    covered: int


def coverage_class(total: int, covered: int) -> str:
    if total == 0:
        return "cp-cov-none"
    if covered == 0:
        return "cp-cov-zero"
    if covered * 2 < total:
        return "cp-cov-low"
    return "cp-cov-high"


def nil_dots(by_nil: list[dict[str, Any]], *, municipio_id: int | None = None) -> list[Dot]:
    """One dot per NIL (one query for the NILs; coverage comes from the KPI breakdown)."""
    coverage = {row["id"]: row for row in by_nil}
    nils = list(
        Neighbourhood.objects.select_related("municipio")
        .only("pk", "nil_id", "name", "lat", "lon", "municipio__number", "municipio_id")
        .order_by("nil_id")
    )
    if not nils:
        return []
    lats = [float(n.lat) for n in nils]
    lons = [float(n.lon) for n in nils]
    scale_x = math.cos(math.radians(sum(lats) / len(lats)))
    min_x, max_x = min(lons) * scale_x, max(lons) * scale_x
    min_y, max_y = min(lats), max(lats)
    span = max(max_x - min_x, max_y - min_y) or 1.0
    usable = min(WIDTH, HEIGHT) - 2 * PADDING
    dots = []
    for nil in nils:
        row = coverage.get(nil.pk, {})
        total, covered = int(row.get("total", 0)), int(row.get("covered", 0))
        css = coverage_class(total, covered)
        if municipio_id and nil.municipio_id != municipio_id:
            css += " cp-dim"
        dots.append(
            Dot(
                nil_id=nil.nil_id,
                name=nil.name,
                municipio=nil.municipio.number,
                x=round(PADDING + (float(nil.lon) * scale_x - min_x) / span * usable, 1),
                y=round(PADDING + (max_y - float(nil.lat)) / span * usable, 1),
                r=round(5 + min(total, 20) * 0.6, 1),
                css_class=css,
                total=total,
                covered=covered,
            )
        )
    return dots
