"""/api/v1/matches/: staff reads with filters, transitions with the same rules as the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching import routing
from matching.models import Match, Stage
from tests.factories import InterventionAreaFactory, NeedFactory
from tests.matching.workflow_support import (
    login,
    make_manager,
    make_match,
    make_stakeholder,
    make_team_lead,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/matches/"


def detail(match, action=""):
    return f"{LIST}{match.pk}/{action + '/' if action else ''}"


def act(client, match, action: str, data: dict):
    """POSTs ``data`` as JSON to the match's ``action``."""
    return client.post(detail(match, action), data, content_type="application/json")


def test_list_gives_score_parts_routing_reason_stage_and_manager(client):
    area = InterventionAreaFactory(slug="stem")
    manager = make_manager(areas=[area], first_name="Laura", last_name="Conti")
    match = make_match(
        manager=None,
        stage=Stage.PROPOSED,
        need=NeedFactory(area=area),
        score=0.7,
        score_parts={"parts": [{"key": "text", "value": 0.5}]},
    )
    routing.route_match(match=match)
    login(client, manager)

    response = client.get(LIST)

    assert response.status_code == 200
    row = response.json()["results"][0]
    assert row["id"] == match.pk
    assert row["score"] == 0.7
    assert row["score_parts"] == {"parts": [{"key": "text", "value": 0.5}]}
    assert row["stage"] == "assigned"
    assert row["manager"] == {"id": manager.pk, "name": "Laura Conti", "email": manager.email}
    assert row["routing_reason"]["rule"] == "area_expertise"
    assert "Laura Conti" in row["routing_summary"]
    assert row["need"]["area"] == "stem"
    assert row["offer"]["organisation"]["name"] == match.offer.organisation.legal_name
    assert row["sla_state"] == "on_time"


def test_filters_by_stage_manager_area_and_unassigned(client):
    lead = make_team_lead()
    first, second = make_manager(), make_manager()
    area = InterventionAreaFactory(slug="verde")
    a = make_match(manager=first, stage=Stage.CONTACTED, need=NeedFactory(area=area))
    b = make_match(manager=second, stage=Stage.ASSIGNED)
    c = make_match(manager=None, stage=Stage.PROPOSED)
    login(client, lead)

    def ids(**params):
        return {row["id"] for row in client.get(LIST, params).json()["results"]}

    assert ids(stage="contacted") == {a.pk}
    assert ids(stage=["contacted", "proposed"]) == {a.pk, c.pk}
    assert ids(manager=second.pk) == {b.pk}
    assert ids(area="verde") == {a.pk}
    assert ids(unassigned="true") == {c.pk}


@pytest.mark.parametrize(
    ("params", "field"), [({"stage": "teleported"}, "stage"), ({"manager": "someone"}, "manager")]
)
def test_bad_filters_are_a_400_naming_the_field(client, params, field):
    login(client, make_manager())

    response = client.get(LIST, params)

    assert response.status_code == 400
    assert field in response.json()


def test_list_query_count_does_not_grow_with_rows(client, django_assert_num_queries):
    manager = make_manager()
    for _ in range(2):
        make_match(manager=manager)
    login(client, manager)
    client.get(LIST)

    # session, user, TOTP check, role names, count, the page (one query with its joins).
    with django_assert_num_queries(6):
        assert client.get(LIST).status_code == 200
    for _ in range(10):
        make_match(manager=make_manager())
    with django_assert_num_queries(6):
        assert len(client.get(LIST).json()["results"]) == 12


def test_assigned_manager_moves_the_match(client):
    manager = make_manager()
    match = make_match(manager=manager)
    login(client, manager)

    response = act(client, match, "transition", {"to_stage": "contacted", "note": "Telefonata"})

    assert response.status_code == 200
    assert response.json()["stage"] == "contacted"
    match.refresh_from_db()
    assert match.stage == Stage.CONTACTED
    assert match.events.get(kind="stage").note == "Telefonata"


def test_a_colleague_gets_403_and_nothing_changes(client):
    match = make_match(manager=make_manager())
    login(client, make_manager())

    response = act(client, match, "transition", {"to_stage": "contacted"})

    assert response.status_code == 403
    match.refresh_from_db()
    assert match.stage == Stage.ASSIGNED


@pytest.mark.parametrize(
    "body", [{"to_stage": "completed"}, {"to_stage": "teleported"}, {}, {"to_stage": None}]
)
def test_refused_or_unknown_stage_is_a_400_naming_to_stage(client, body):
    manager = make_manager()
    match = make_match(manager=manager)
    login(client, manager)

    response = act(client, match, "transition", body)

    assert response.status_code == 400
    assert "to_stage" in response.json()
    match.refresh_from_db()
    assert match.stage == Stage.ASSIGNED
    assert not match.events.exists()


def test_team_lead_reassigns(client):
    lead, new = make_team_lead(), make_manager()
    match = make_match(manager=make_manager())
    login(client, lead)

    response = act(client, match, "reassign", {"manager": new.pk})

    assert response.status_code == 200
    assert response.json()["manager"]["id"] == new.pk


@pytest.mark.parametrize("who", ["stakeholder", "unknown id", "not a number"])
def test_reassign_to_a_non_manager_is_a_400_naming_manager(client, who):
    lead = make_team_lead()
    old = make_manager()
    match = make_match(manager=old)
    target = {
        "stakeholder": lambda: make_stakeholder(match.offer.organisation).pk,
        "unknown id": lambda: 999_999,
        "not a number": lambda: "laura",
    }[who]()
    login(client, lead)

    response = act(client, match, "reassign", {"manager": target})

    assert response.status_code == 400
    assert "manager" in response.json()
    match.refresh_from_db()
    assert match.manager == old


def test_managers_cannot_reassign(client):
    manager, other = make_manager(), make_manager()
    match = make_match(manager=manager)
    login(client, manager)

    response = act(client, match, "reassign", {"manager": other.pk})

    assert response.status_code == 403
    assert Match.objects.get(pk=match.pk).manager == manager


def test_hand_over_needs_a_note(client):
    manager, colleague = make_manager(), make_manager()
    match = make_match(manager=manager)
    login(client, manager)

    missing = act(client, match, "hand-over", {"manager": colleague.pk})
    done = act(
        client, match, "hand-over", {"manager": colleague.pk, "note": "Conosce la fondazione"}
    )

    assert missing.status_code == 400 and "note" in missing.json()
    assert done.status_code == 200 and done.json()["manager"]["id"] == colleague.pk


def test_the_openapi_schema_documents_the_matches_api(client):
    response = client.get(reverse("api-schema"), {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/matches/" in paths
    assert "post" in paths["/api/v1/matches/{id}/transition/"]
    assert "post" in paths["/api/v1/matches/{id}/reassign/"]
    assert "post" in paths["/api/v1/matches/{id}/hand-over/"]
    parameters = {p["name"] for p in paths["/api/v1/matches/"]["get"]["parameters"]}
    assert {"stage", "manager", "area", "unassigned"} <= parameters
