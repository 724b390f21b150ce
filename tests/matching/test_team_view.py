"""The team lead's team view: unassigned matches first, then each account manager's load."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from matching.models import Absence, Stage
from tests.matching.workflow_support import (
    login,
    make_department_user,
    make_manager,
    make_match,
    make_team_lead,
)

pytestmark = [pytest.mark.django_db, pytest.mark.accept_language("en")]

TEAM = "/team/"


def test_unassigned_matches_come_first_oldest_first_and_closed_ones_not_at_all(client):
    lead, manager = make_team_lead(), make_manager()
    newer = make_match(manager=None, stage=Stage.PROPOSED)
    older = make_match(manager=None, stage=Stage.PROPOSED)
    older.created_at = timezone.now() - timedelta(days=3)
    older.save(update_fields=["created_at"])
    make_match(manager=None, stage=Stage.EXPIRED)
    make_match(manager=manager)
    login(client, lead)

    response = client.get(TEAM)

    assert response.status_code == 200
    assert [m.pk for m in response.context["unassigned"]] == [older.pk, newer.pk]
    html = response.content.decode()
    assert html.index('id="cp-unassigned"') < html.index('id="cp-loads"')
    assert f'href="/admin/matching/match/{older.pk}/change/"' in html


def test_each_managers_load_open_count_and_late_first_contacts(client):
    lead = make_team_lead()
    busy = make_manager(first_name="Laura", last_name="Conti", capacity=10)
    idle = make_manager(first_name="Paolo", last_name="Ferrari", capacity=8)
    today = timezone.localdate()
    make_match(manager=busy, stage=Stage.ASSIGNED, first_contact_due=today - timedelta(days=1))
    make_match(manager=busy, stage=Stage.NEGOTIATING)
    make_match(manager=busy, stage=Stage.COMPLETED)
    Absence.objects.create(profile=idle.manager_profile, start=today, end=today)
    login(client, lead)

    managers = list(client.get(TEAM).context["managers"])

    assert [p.user for p in managers] == [busy, idle]
    assert (managers[0].open_count, managers[0].late_count) == (2, 1)
    assert managers[0].load > 0
    assert (managers[1].open_count, managers[1].load, managers[1].absent) == (0, 0, True)


def test_team_view_query_count_does_not_grow_with_rows(client, django_assert_num_queries):
    lead = make_team_lead()
    managers = [make_manager() for _ in range(2)]
    for manager in managers:
        make_match(manager=manager)
    make_match(manager=None, stage=Stage.PROPOSED)
    login(client, lead)
    client.get(TEAM)  # warm the session

    # session, user, TOTP check, role names, unassigned matches, managers with their load.
    with django_assert_num_queries(6):
        assert client.get(TEAM).status_code == 200
    for _ in range(5):
        make_match(manager=None, stage=Stage.PROPOSED)
    for manager in [make_manager() for _ in range(3)]:
        make_match(manager=manager)
    with django_assert_num_queries(6):
        response = client.get(TEAM)
    assert len(response.context["unassigned"]) == 6
    assert len(response.context["managers"]) == 5


@pytest.mark.parametrize("who", ["manager", "department", "anonymous"])
def test_team_view_is_for_team_leads_only(client, who):
    user = {"manager": make_manager, "department": make_department_user}.get(who, lambda: None)()
    login(client, user)

    response = client.get(TEAM)

    assert response.status_code == (302 if user is None else 403)


def test_overview_counts_offers_matches_and_needs(client, django_assert_num_queries):
    from contactpoint import roles
    from tests.factories import UserFactory

    cabinet = UserFactory(role=roles.CABINET)
    make_match(manager=None, stage=Stage.PROPOSED)
    make_match(manager=make_manager(), stage=Stage.ASSIGNED)
    login(client, cabinet)
    client.get("/overview/")

    # session, user, TOTP check, role names, attention counts, offers, matches, needs.
    with django_assert_num_queries(8):
        response = client.get("/overview/")
    counts = {str(row.label): row.value for row in response.context["match_counts"]}
    assert counts["Proposed"] == 1
    assert counts["Assigned"] == 1
    assert response.context["unassigned_matches"] == 1
    assert "Overview of offers, matches and needs" in response.content.decode()
