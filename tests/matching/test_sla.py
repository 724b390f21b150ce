"""Working days (weekends, Italian holidays, Milan's 7 December) and the first-contact SLA."""

from __future__ import annotations

from datetime import date, datetime

import holidays
import pytest
from django.core.management import CommandError, call_command

from matching import sla
from matching.models import Holiday, Stage
from matching.sla import SlaState
from tests.factories import MatchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def milan_2026():
    sla.load_holidays(years=[2026], country="IT", subdiv="MI")


def test_holidays_package_knows_milans_patron_saint():
    # Why no --extra is needed for Milan: the package includes Sant'Ambrogio for MI.
    assert date(2026, 12, 7) in holidays.Italy(years=2026, subdiv="MI")
    assert date(2026, 12, 7) not in holidays.Italy(years=2026)


def test_working_days_skip_the_weekend():
    friday = date(2026, 11, 27)

    assert sla.add_working_days(friday, 1) == date(2026, 11, 30)
    assert sla.add_working_days(friday, 3) == date(2026, 12, 2)
    assert sla.add_working_days(friday, 0) == friday


def test_working_days_skip_sant_ambrogio_and_the_immacolata(milan_2026):
    friday = date(2026, 12, 4)

    # Mon 7 (Sant'Ambrogio) and Tue 8 (Immacolata) are holidays in Milan.
    assert sla.add_working_days(friday, 1) == date(2026, 12, 9)
    assert sla.add_working_days(friday, 3) == date(2026, 12, 11)


def test_working_days_skip_christmas_and_santo_stefano(milan_2026):
    wednesday = date(2026, 12, 23)

    assert sla.add_working_days(wednesday, 1) == date(2026, 12, 24)
    assert sla.add_working_days(wednesday, 2) == date(2026, 12, 28)
    assert sla.add_working_days(wednesday, 3) == date(2026, 12, 29)


def test_holidays_are_data_a_city_without_them_works_on_7_december():
    assert sla.add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)


def test_working_days_between_counts_after_the_start_up_to_the_end(milan_2026):
    assert sla.working_days_between(date(2026, 12, 4), date(2026, 12, 11)) == 3
    assert sla.working_days_between(date(2026, 12, 11), date(2026, 12, 4)) == 0
    assert sla.is_working_day(date(2026, 12, 7)) is False
    assert sla.is_working_day(date(2026, 12, 9)) is True


def test_a_long_run_of_holidays_still_finds_the_next_working_day():
    start = date(2027, 1, 1)
    for offset in range(1, 60):  # 2 January to 1 March
        Holiday.objects.create(date=date.fromordinal(start.toordinal() + offset), name="Chiuso")

    assert sla.add_working_days(start, 1) == date(2027, 3, 2)


@pytest.mark.parametrize(
    ("stage", "due", "contacted", "state"),
    [
        (Stage.ASSIGNED, date(2026, 12, 10), False, SlaState.ON_TIME),
        (Stage.ASSIGNED, date(2026, 12, 9), False, SlaState.DUE_TODAY),
        (Stage.ASSIGNED, date(2026, 12, 8), False, SlaState.LATE),
        (Stage.CONTACTED, date(2026, 12, 1), True, SlaState.CONTACTED),
        (Stage.PROPOSED, None, False, SlaState.NONE),
        (Stage.DECLINED_BY_CITY, date(2026, 12, 1), False, SlaState.NONE),
    ],
)
def test_sla_state_of_a_match(stage, due, contacted, state):
    match = MatchFactory.build(
        stage=stage,
        first_contact_due=due,
        contacted_at=datetime(2026, 12, 2, 10) if contacted else None,
    )

    assert sla.sla_state(match, today=date(2026, 12, 9)) == state


def test_load_holidays_fills_milan_and_is_idempotent(capsys):
    call_command("load_holidays", "--years", "2026", "2027", "--subdiv", "MI")
    count = Holiday.objects.count()
    call_command("load_holidays", "--years", "2026", "2027", "--subdiv", "MI")

    assert Holiday.objects.count() == count
    assert Holiday.objects.get(date=date(2026, 12, 7)).name == "Sant'Ambrogio"
    assert Holiday.objects.get(date=date(2027, 12, 25)).name == "Natale"
    assert "0 created" in capsys.readouterr().out


def test_load_holidays_adds_a_local_day_the_package_lacks():
    call_command(
        "load_holidays", "--years", "2026", "--subdiv", "", "--extra", "12-07:Sant'Ambrogio"
    )

    assert Holiday.objects.get(date=date(2026, 12, 7)).name == "Sant'Ambrogio"
    assert Holiday.objects.filter(date=date(2026, 12, 25)).exists()


def test_load_holidays_reads_extra_days_from_the_setting(settings):
    settings.HOLIDAYS_EXTRA = ["06-24:San Giovanni"]

    call_command("load_holidays", "--years", "2026", "--subdiv", "")

    assert Holiday.objects.get(date=date(2026, 6, 24)).name == "San Giovanni"


@pytest.mark.parametrize("extra", ["13-01:Nope", "12-07", "dicembre:Sant'Ambrogio"])
def test_load_holidays_refuses_a_malformed_extra_day(extra):
    with pytest.raises(CommandError):
        call_command("load_holidays", "--years", "2026", "--extra", extra)
    assert not Holiday.objects.exists()
