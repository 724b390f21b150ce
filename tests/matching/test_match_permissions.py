"""Who may see and do what with a match, everywhere: admin, /my/, workspace and API.

One match: organisation A's offer on a need of department X, assigned to a manager.
Every role is tried on every surface; a denial is a redirect to the login, a 403 or a 404,
and never shows the match.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from contactpoint import landing, roles
from matching import permissions
from matching.models import Stage
from tests.factories import DepartmentFactory, NeedFactory, OrganisationFactory, UserFactory
from tests.matching.workflow_support import (
    login,
    make_department_user,
    make_manager,
    make_match,
    make_stakeholder,
    make_team_lead,
)

pytestmark = pytest.mark.django_db

NEED_TITLE = "Tablet per la scuola di via Sottocorno"
ROLES = [
    "anonymous",
    "stakeholder A",
    "stakeholder B",
    "department X",
    "department Y",
    "manager assigned",
    "manager not assigned",
    "team lead",
    "cabinet",
]


@pytest.fixture
def world(client, role):
    """The match and a user per role, with ``client`` signed in as the test's ``role``."""
    organisation_a, organisation_b = OrganisationFactory(), OrganisationFactory()
    department_x, department_y = DepartmentFactory(), DepartmentFactory()
    manager = make_manager()
    match = make_match(
        manager=manager,
        organisation=organisation_a,
        need=NeedFactory(department=department_x, title=NEED_TITLE),
        stage=Stage.ASSIGNED,
    )
    users = {
        "anonymous": None,
        "stakeholder A": make_stakeholder(organisation_a),
        "stakeholder B": make_stakeholder(organisation_b),
        "department X": make_department_user(department_x),
        "department Y": make_department_user(department_y),
        "manager assigned": manager,
        "manager not assigned": make_manager(),
        "team lead": make_team_lead(),
        "cabinet": UserFactory(role=roles.CABINET),
    }
    login(client, users[role])
    return match, users


def expect(table: dict[str, int | tuple[int, ...]]) -> list[tuple[str, tuple[int, ...]]]:
    assert set(table) == set(ROLES)
    return [(role, v if isinstance(v, tuple) else (v,)) for role, v in table.items()]


# Those who may read the match (a refused action may name it to them).
READERS = {"department X", "manager assigned", "manager not assigned", "team lead"}


def check(response, statuses, *, role: str, shows_match: bool | None = None):
    assert response.status_code in statuses, (response.status_code, statuses)
    if response.status_code in (302, 403, 404):
        if role not in READERS:
            assert NEED_TITLE not in response.content.decode()
    elif shows_match is not None:
        assert (NEED_TITLE in response.content.decode()) is shows_match


ADMIN_QUEUE = dict.fromkeys(ROLES, 200) | {
    "anonymous": 302,
    "stakeholder A": 302,
    "stakeholder B": 302,
    "cabinet": 403,
}
QUEUE_SHOWS = {"department X", "manager assigned"}


@pytest.mark.parametrize(("role", "statuses"), expect(ADMIN_QUEUE))
def test_admin_queue(client, world, role, statuses):
    # The default view (my queue for managers) and the whole list.
    response = client.get("/admin/matching/match/")
    check(response, statuses, role=role, shows_match=role in QUEUE_SHOWS)
    everything = client.get("/admin/matching/match/", {"queue": "all"})
    check(
        everything,
        statuses,
        role=role,
        shows_match=role not in ("department Y",) and statuses == (200,),
    )


ADMIN_MATCH_PAGE = {
    "anonymous": 302,
    "stakeholder A": 302,
    "stakeholder B": 302,
    "department X": 200,
    "department Y": 404,  # outside the department's matches: the same 404 as elsewhere
    "manager assigned": 200,
    "manager not assigned": 200,
    "team lead": 200,
    "cabinet": 403,
}


@pytest.mark.parametrize(("role", "statuses"), expect(ADMIN_MATCH_PAGE))
def test_admin_match_page(client, world, role, statuses):
    match, _users = world

    response = client.get(reverse("admin:matching_match_change", args=[match.pk]))

    check(response, statuses, role=role, shows_match=True)
    if role == "department X":
        html = response.content.decode()
        assert match.offer.contact.email not in html
        assert "organisation's history" not in html


ADMIN_ACTIONS = {
    "anonymous": 302,
    "stakeholder A": 302,
    "stakeholder B": 302,
    "department X": 403,
    "department Y": 404,
    "manager assigned": 302,  # done: back to the match page
    "manager not assigned": 403,
    "team lead": 302,
    "cabinet": 403,
}


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("transition", {"to_stage": "contacted"}),
        ("hand_over", {"manager": "colleague", "note": "Ferie"}),
        ("split", {"quantity": 1}),
        ("contact", {"subject": "Ciao", "body": "Parliamone", "action": "send"}),
    ],
)
@pytest.mark.parametrize(("role", "statuses"), expect(ADMIN_ACTIONS))
def test_admin_actions(client, world, role, statuses, action, data):
    match, users = world
    if data.get("manager") == "colleague":
        data = {**data, "manager": make_manager().pk}
    login(client, users[role])

    response = client.post(reverse(f"admin:matching_match_{action}", args=[match.pk]), data)

    check(response, statuses, role=role)
    match.refresh_from_db()
    changed = match.events.exists()
    assert changed is (statuses == (302,) and role in ("manager assigned", "team lead"))
    if response.status_code == 403 and role.startswith("manager"):
        with translation.override(response.wsgi_request.LANGUAGE_CODE):
            message = escape(str(permissions.NOT_PERMITTED_MESSAGE))
        assert message in response.content.decode()


ADMIN_REASSIGN = {**ADMIN_ACTIONS, "manager assigned": 403}


@pytest.mark.parametrize(("role", "statuses"), expect(ADMIN_REASSIGN))
def test_admin_reassign(client, world, role, statuses):
    match, users = world

    response = client.post(
        reverse("admin:matching_match_reassign", args=[match.pk]),
        {"manager": users["manager not assigned"].pk},
    )

    check(response, statuses, role=role)
    match.refresh_from_db()
    assert (match.manager == users["manager not assigned"]) is (role == "team lead")


# City staff are sent on to their own work place, as /my/ does.
MY_MATCHES = dict.fromkeys(ROLES, 302) | {"stakeholder A": 200, "stakeholder B": 200}


@pytest.mark.parametrize(("role", "statuses"), expect(MY_MATCHES))
def test_my_matches_lists_only_the_users_organisations(client, world, role, statuses):
    _match, users = world

    response = client.get("/my/matches/")

    check(response, statuses, role=role, shows_match=role == "stakeholder A")
    if users[role] is not None and roles.is_city_staff(users[role]):
        assert response.headers["Location"] == landing.landing_url(users[role])


MY_MATCH = dict.fromkeys(ROLES, 404) | {"anonymous": 302, "stakeholder A": 200}


@pytest.mark.parametrize(("role", "statuses"), expect(MY_MATCH))
def test_my_match_page_is_only_for_the_organisation(client, world, role, statuses):
    match, _users = world

    response = client.get(f"/my/matches/{match.pk}/")

    check(response, statuses, role=role, shows_match=True)


MY_DECLINE = dict.fromkeys(ROLES, 404) | {"anonymous": 302, "stakeholder A": 302}


@pytest.mark.parametrize(("role", "statuses"), expect(MY_DECLINE))
def test_only_the_organisation_declines_from_my_area(client, world, role, statuses):
    match, _users = world

    response = client.post(f"/my/matches/{match.pk}/decline/", {"to_stage": "declined_stakeholder"})

    check(response, statuses, role=role)
    match.refresh_from_db()
    assert (match.stage == Stage.DECLINED_BY_STAKEHOLDER) is (role == "stakeholder A")


WORKSPACE = dict.fromkeys(ROLES, 403) | {"anonymous": 302, "department X": 200, "department Y": 200}


@pytest.mark.parametrize(("role", "statuses"), expect(WORKSPACE))
def test_department_workspace_shows_only_its_needs_matches(client, world, role, statuses):
    match, _users = world

    response = client.get("/workspace/matches/")

    check(response, statuses, role=role, shows_match=role == "department X")
    if role == "department X":
        html = response.content.decode()
        assert match.offer.organisation.legal_name in html
        assert match.offer.contact.email not in html
        assert match.offer.contact.last_name not in html


API_READ = dict.fromkeys(ROLES, 403) | dict.fromkeys(
    ("manager assigned", "manager not assigned", "team lead"), 200
)


@pytest.mark.parametrize(("role", "statuses"), expect(API_READ))
def test_api_read(client, world, role, statuses):
    match, _users = world

    listing = client.get("/api/v1/matches/")
    one = client.get(f"/api/v1/matches/{match.pk}/")

    check(listing, statuses, role=role)
    check(one, statuses, role=role)
    if statuses == (200,):
        assert listing.json()["results"][0]["id"] == match.pk


API_TRANSITION = dict.fromkeys(ROLES, 403) | {"manager assigned": 200, "team lead": 200}


@pytest.mark.parametrize(("role", "statuses"), expect(API_TRANSITION))
def test_api_transition(client, world, role, statuses):
    match, _users = world

    response = client.post(
        f"/api/v1/matches/{match.pk}/transition/",
        {"to_stage": "contacted"},
        content_type="application/json",
    )

    check(response, statuses, role=role)
    match.refresh_from_db()
    assert (match.stage == Stage.CONTACTED) is (statuses == (200,))


API_REASSIGN = dict.fromkeys(ROLES, 403) | {"team lead": 200}


@pytest.mark.parametrize(("role", "statuses"), expect(API_REASSIGN))
def test_api_reassign(client, world, role, statuses):
    match, users = world

    response = client.post(
        f"/api/v1/matches/{match.pk}/reassign/",
        {"manager": users["manager not assigned"].pk},
        content_type="application/json",
    )

    check(response, statuses, role=role)
    match.refresh_from_db()
    assert (match.manager == users["manager not assigned"]) is (role == "team lead")
