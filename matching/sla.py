"""Working days and the first-contact SLA of a match.

A working day is a weekday that is not a ``Holiday`` row. Holidays are data (loaded per city
by ``manage.py load_holidays``), so the same code counts Milan's 7 December or another
city's patron saint.

The SLA: an account manager makes first contact with the stakeholder within
``MATCH_FIRST_CONTACT_WORKING_DAYS`` working days (default 3) of the assignment; the
manager is reminded once it is late and the team leads are told after
``MATCH_SLA_ESCALATION_WORKING_DAYS`` (default 2) more working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

import holidays as holidays_package
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactpoint.audit import log_action

from .models import OPEN_STAGES, Holiday, Match, Stage

# Stages in which a match still waits for its first contact with the stakeholder.
WAITING_STAGES = (Stage.PROPOSED, Stage.ASSIGNED)

DEFAULT_FIRST_CONTACT_WORKING_DAYS = 3
DEFAULT_ESCALATION_WORKING_DAYS = 2
# Saturday and Sunday (date.weekday() numbers).
WEEKEND = frozenset({5, 6})
# More than any plausible run of consecutive holidays: bounds the holiday query.
_SPAN_SLACK_DAYS = 30


def first_contact_working_days() -> int:
    return int(
        getattr(settings, "MATCH_FIRST_CONTACT_WORKING_DAYS", DEFAULT_FIRST_CONTACT_WORKING_DAYS)
    )


def escalation_working_days() -> int:
    return int(
        getattr(settings, "MATCH_SLA_ESCALATION_WORKING_DAYS", DEFAULT_ESCALATION_WORKING_DAYS)
    )


def holidays_between(start: date, end: date) -> set[date]:
    """The holiday dates from ``start`` to ``end`` inclusive, in one query."""
    return set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def _is_working(day: date, holidays: Iterable[date]) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays


def is_working_day(day: date) -> bool:
    return _is_working(day, holidays_between(day, day))


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count).

    Assigned on a Friday with 3 working days: due on Wednesday.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    span = days * 2 + _SPAN_SLACK_DAYS
    holidays = holidays_between(start, start + timedelta(days=span))
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day > start + timedelta(days=span):  # a very long holiday run: widen and go on
            span *= 2
            holidays = holidays_between(start, start + timedelta(days=span))
        if _is_working(day, holidays):
            counted += 1
    return day


def working_days_between(start: date, end: date, *, holidays: Iterable[date] | None = None) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 if none).

    ``holidays`` may be given (a set covering the span) to spare the query in loops.
    """
    if end <= start:
        return 0
    if holidays is None:
        holidays = holidays_between(start, end)
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if _is_working(start + timedelta(days=offset), holidays)
    )


def first_contact_due(assigned: date) -> date:
    return add_working_days(assigned, first_contact_working_days())


class SlaState(StrEnum):
    ON_TIME = "on_time"
    DUE_TODAY = "due_today"
    LATE = "late"
    CONTACTED = "contacted"
    NONE = "none"


SLA_LABELS = {
    SlaState.ON_TIME: _("On time"),
    SlaState.DUE_TODAY: _("Due today"),
    SlaState.LATE: _("Late"),
    SlaState.CONTACTED: _("Contacted"),
    SlaState.NONE: _("No deadline"),
}


def sla_state(match, *, today: date | None = None) -> SlaState:
    """Where a match stands against its first-contact deadline.

    Contacted (or past the first contact) means the SLA was met or is moot; closed and
    unassigned matches have no deadline.
    """
    if match.contacted_at is not None or match.stage not in WAITING_STAGES:
        return SlaState.CONTACTED if match.stage in OPEN_STAGES else SlaState.NONE
    if match.first_contact_due is None:
        return SlaState.NONE
    today = today or timezone.localdate()
    if match.first_contact_due > today:
        return SlaState.ON_TIME
    if match.first_contact_due == today:
        return SlaState.DUE_TODAY
    return SlaState.LATE


def _deadline_q(*, prefix: str, **due: date) -> Q:
    conditions = {f"{prefix}stage__in": WAITING_STAGES, f"{prefix}contacted_at__isnull": True}
    conditions.update({f"{prefix}first_contact_due{lookup}": day for lookup, day in due.items()})
    return Q(**conditions)


def late_q(*, today: date, prefix: str = "") -> Q:
    """The "late first contact" rule as a filter: still waiting, past its due date.
    ``prefix`` reaches matches through a relation (e.g. ``"user__managed_matches__"``)."""
    return _deadline_q(prefix=prefix, __lt=today)


def due_today_q(*, today: date, prefix: str = "") -> Q:
    return _deadline_q(prefix=prefix, __exact=today)


def on_time_q(*, today: date, prefix: str = "") -> Q:
    return _deadline_q(prefix=prefix, __gt=today)


def late_first_contacts(*, today: date) -> QuerySet:
    """Late first contacts someone is answerable for: assigned to a manager (a proposed
    match nobody took is the team leads' unassigned list, not a reminder)."""
    return Match.objects.filter(late_q(today=today), stage=Stage.ASSIGNED, manager__isnull=False)


# --- Loading holidays ------------------------------------------------------------------------


def parse_extra_holiday(text: str) -> tuple[int, int, str]:
    """``"12-07:Sant'Ambrogio"`` -> (12, 7, "Sant'Ambrogio"); ValueError when malformed."""
    day_part, _sep, name = text.partition(":")
    month_text, _dash, day_text = day_part.strip().partition("-")
    month, day = int(month_text), int(day_text)
    date(2000, month, day)  # validates the day (2000 is a leap year: 02-29 passes)
    name = name.strip().strip('"').strip()
    if not name:
        raise ValueError("an extra holiday needs a name: MM-DD:Name")
    return month, day, name


def load_holidays(
    *,
    years: Iterable[int],
    country: str = "IT",
    subdiv: str | None = "MI",
    language: str = "it",
    extra: Iterable[str] = (),
) -> dict[str, int]:
    """Fill ``Holiday`` from the ``holidays`` package (plus ``extra`` "MM-DD:Name" days).

    Idempotent: a date already there gets the current name, nothing is duplicated.
    Returns how many rows were created and updated.
    """
    years = sorted(set(years))
    extras = [parse_extra_holiday(text) for text in extra]
    package_language = {"it": "it_IT", "en": "en_US"}.get(language, language)
    try:
        calendar = holidays_package.country_holidays(
            country, subdiv=subdiv or None, years=years, language=package_language
        )
    except NotImplementedError as exc:
        raise ValueError(f"the holidays package does not know {country}/{subdiv}") from exc
    wanted: dict[date, str] = {day: str(name) for day, name in calendar.items()}
    for year in years:
        for month, day_of_month, extra_name in extras:
            try:
                wanted.setdefault(date(year, month, day_of_month), extra_name)
            except ValueError:
                continue  # 29 February in a common year
    created = updated = 0
    with transaction.atomic():
        existing = {h.date: h for h in Holiday.objects.filter(date__in=list(wanted))}
        for day, name in sorted(wanted.items()):
            name = name[:120]
            holiday = existing.get(day)
            if holiday is None:
                Holiday.objects.create(date=day, name=name)
                created += 1
            elif holiday.name != name:
                holiday.name = name
                holiday.save(update_fields=["name"])
                updated += 1
        log_action(
            actor=None,
            action="matching.holiday.loaded",
            payload={
                "years": years,
                "country": country,
                "subdiv": subdiv or "",
                "created": created,
                "updated": updated,
            },
        )
    return {"created": created, "updated": updated, "total": len(wanted)}
