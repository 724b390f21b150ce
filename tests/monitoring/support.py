"""Helpers for the monitoring tests: dates in Milan's time zone and a hand-made data set."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from matching.models import MatchEvent, Stage
from monitoring.models import Collaboration, ImpactOutput, OutputKind
from tests.factories import MatchFactory

ROME = ZoneInfo("Europe/Rome")


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ROME)


def collaboration(
    *, match=None, started, departments=(), completed=None, evaluated=None, **outputs
):
    match = match or MatchFactory(stage=Stage.COMPLETED if completed else Stage.IN_DELIVERY)
    record = Collaboration.objects.create(
        match=match,
        started_at=started,
        completed_at=completed,
        evaluated_at=evaluated,
        evaluation="Valutata." if evaluated else "",
    )
    record.departments.set(departments)
    for kind, actual in outputs.items():
        ImpactOutput.objects.create(collaboration=record, kind=OutputKind(kind), actual=actual)
    return record


def stage_event(match, stage, when):
    return MatchEvent.objects.create(match=match, kind="stage", to_stage=stage, created_at=when)
