"""Matches outside the admin: the stakeholder's /my/matches/ and the department workspace."""

from __future__ import annotations

import pytest

from matching import lifecycle, routing
from matching.models import Stage
from tests.factories import DepartmentFactory, InterventionAreaFactory, NeedFactory
from tests.matching.workflow_support import (
    login,
    make_department_user,
    make_manager,
    make_match,
    make_stakeholder,
    make_team_lead,
)

pytestmark = [pytest.mark.django_db, pytest.mark.accept_language("en")]


def test_stakeholder_sees_the_stage_and_only_the_public_timeline(client):
    area = InterventionAreaFactory()
    first, second, lead = make_manager(areas=[area]), make_manager(), make_team_lead()
    match = make_match(manager=None, stage=Stage.PROPOSED, need=NeedFactory(area=area))
    routing.route_match(match=match)
    lifecycle.reassign(match=match, manager=second, actor=lead, note="Interno: carico di lavoro")
    lifecycle.transition(
        match=match, to_stage=Stage.CONTACTED, actor=second, note="Interno: telefonata"
    )
    stakeholder = make_stakeholder(match.offer.organisation)
    login(client, stakeholder)

    listing = client.get("/my/matches/").content.decode()
    page = client.get(f"/my/matches/{match.pk}/").content.decode()

    assert match.need.title in listing and 'data-stage="contacted"' in listing
    assert "Proposed → Assigned" in page
    assert "Assigned → Contacted" in page
    assert "Interno" not in page
    assert "Reassigned" not in page and "Routed" not in page
    assert first.email not in page and second.email not in page


def test_stakeholder_declines_a_proposal_with_a_reason(client):
    match = make_match(manager=make_manager(), stage=Stage.CONTACTED)
    login(client, make_stakeholder(match.offer.organisation))

    response = client.post(
        f"/my/matches/{match.pk}/decline/",
        {"to_stage": "declined_stakeholder", "note": "Abbiamo già donato i PC"},
    )

    assert response.status_code == 302
    match.refresh_from_db()
    assert match.stage == Stage.DECLINED_BY_STAKEHOLDER
    assert match.events.get(kind="stage").note == "Abbiamo già donato i PC"
    page = client.get(f"/my/matches/{match.pk}/").content.decode()
    assert "Not interested any more?" not in page  # closed: no form


@pytest.mark.parametrize("choice", ["", "completed", "contacted"])
def test_stakeholder_decline_with_a_bad_choice_is_a_form_error(client, choice):
    match = make_match(manager=make_manager(), stage=Stage.CONTACTED)
    login(client, make_stakeholder(match.offer.organisation))

    response = client.post(f"/my/matches/{match.pk}/decline/", {"to_stage": choice})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "id_to_stage_error" in html
    match.refresh_from_db()
    assert match.stage == Stage.CONTACTED


def test_stakeholder_cannot_decline_a_closed_match(client):
    match = make_match(manager=make_manager(), stage=Stage.COMPLETED)
    login(client, make_stakeholder(match.offer.organisation))

    response = client.post(f"/my/matches/{match.pk}/decline/", {"to_stage": "withdrawn"})

    assert response.status_code == 400
    match.refresh_from_db()
    assert match.stage == Stage.COMPLETED


def test_my_matches_query_count_does_not_grow(client, django_assert_num_queries):
    first = make_match(manager=make_manager())
    organisation = first.offer.organisation
    stakeholder = make_stakeholder(organisation)
    login(client, stakeholder)
    client.get("/my/matches/")

    # session, user, role names (not staff: no TOTP check), count, page, public events.
    with django_assert_num_queries(6):
        assert client.get("/my/matches/").status_code == 200
    for _ in range(6):
        make_match(manager=make_manager(), organisation=organisation)
    with django_assert_num_queries(6):
        response = client.get("/my/matches/")
    assert len(response.context["page"].object_list) == 7


def test_workspace_lists_its_departments_matches_filtered_by_stage(client):
    department = DepartmentFactory()
    user = make_department_user(department)
    contacted = make_match(
        manager=make_manager(), stage=Stage.CONTACTED, need=NeedFactory(department=department)
    )
    proposed = make_match(
        manager=None, stage=Stage.PROPOSED, need=NeedFactory(department=department)
    )
    make_match(manager=make_manager())  # another department's
    login(client, user)

    everything = client.get("/workspace/matches/").context["page"].object_list
    only_contacted = client.get("/workspace/matches/", {"stage": "contacted"})

    assert {m.pk for m in everything} == {contacted.pk, proposed.pk}
    assert [m.pk for m in only_contacted.context["page"].object_list] == [contacted.pk]


def test_workspace_unknown_stage_is_a_field_error(client):
    login(client, make_department_user())

    response = client.get("/workspace/matches/", {"stage": "teleported"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'id="id_stage_error"' in html


def test_workspace_query_count_does_not_grow(client, django_assert_num_queries):
    department = DepartmentFactory()
    user = make_department_user(department)
    make_match(manager=make_manager(), need=NeedFactory(department=department))
    login(client, user)
    client.get("/workspace/matches/")

    # session, user, TOTP check, role names, count, page.
    with django_assert_num_queries(6):
        assert client.get("/workspace/matches/").status_code == 200
    for _ in range(5):
        make_match(manager=make_manager(), need=NeedFactory(department=department))
    with django_assert_num_queries(6):
        response = client.get("/workspace/matches/")
    assert len(response.context["page"].object_list) == 6
