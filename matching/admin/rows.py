"""What the match page shows: the timeline, the score breakdown and the links it needs."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format

from .. import engine, lifecycle
from ..models import Match


def timeline_rows(match: Match, *, public_only: bool) -> list[dict[str, Any]]:
    events = match.events.select_related("actor").order_by("created_at", "id")
    if public_only:
        events = events.filter(visible_to_stakeholder=True)
    return [{"event": event, "title": lifecycle.describe_event(event)} for event in events]


def form_field(form: Any, field: str | None, default: str) -> str | None:
    if field in form.fields:
        return field
    return default if default in form.fields else None


def admin_url(name: str, pk: Any) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def score_rows(score_parts: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The score breakdown as rows (label, reason, value, contribution): the engine's own
    explanation when it offers one, else the stored parts as they are."""
    parts = score_parts or {}
    try:
        return [
            {
                "label": row["label"],
                "reason": row.get("reason", ""),
                "value": plain_number(row.get("value")),
                "contribution": plain_number(row.get("contribution")),
            }
            for row in engine.describe(parts)
        ]
    except (KeyError, TypeError, ValueError, AttributeError):
        pass  # a breakdown the engine cannot read (older format): show it raw
    return [
        {"label": str(key), "reason": "", "value": value, "contribution": ""}
        for key, value in parts.items()
    ]


def plain_number(value: Any) -> Any:
    """Scores as the person's language writes them ("0,85" in Italian, "0.85" in English)."""
    return number_format(value, 2) if isinstance(value, float) else value


def with_dates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Routing reasons keep their dates as ISO text; the page shows them as dates."""
    for row in rows:
        when = row.get("last_assigned_at")
        row["last_assigned_at"] = parse_datetime(when) if isinstance(when, str) else when
    return rows
