"""Account managers edit the impact records of their own matches in the admin; others read."""

from __future__ import annotations

import pytest

from contactpoint import roles
from contactpoint.audit import history_for
from monitoring import services
from tests.factories import MatchFactory, UserFactory
from tests.matching.workflow_support import login, make_manager
from tests.monitoring.support import collaboration

pytestmark = pytest.mark.django_db


def test_manager_edits_own_record_and_only_reads_a_colleagues(client):
    manager = make_manager()
    own = collaboration(match=MatchFactory(manager=manager), started="2026-01-10T10:00+01:00")
    other = collaboration(
        match=MatchFactory(manager=make_manager()), started="2026-01-10T10:00+01:00"
    )
    login(client, manager)

    page = client.get(f"/admin/monitoring/collaboration/{own.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' in page.content
    page = client.get(f"/admin/monitoring/collaboration/{other.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    response = client.post(
        f"/admin/monitoring/collaboration/{other.pk}/change/", {"evaluation": "No"}
    )
    assert response.status_code == 403


def test_cabinet_has_no_access_to_impact_records(client):
    login(client, UserFactory(role=roles.CABINET))
    record = collaboration(started="2026-01-10T10:00+01:00")
    assert client.get(f"/admin/monitoring/collaboration/{record.pk}/change/").status_code in (
        302,
        403,
    )


def test_writing_the_evaluation_dates_it_and_is_audited():
    record = collaboration(started="2026-01-10T10:00+01:00")
    record.evaluation = "Consegnati 20 portatili, usati da 18 alunni."
    services.save_impact_record(collaboration=record, changed=["evaluation"], actor=None)
    record.refresh_from_db()
    assert record.evaluated_at is not None
    assert history_for(record).filter(action="monitoring.collaboration.changed").exists()
