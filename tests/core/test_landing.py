"""Each role lands on its work after signing in, and the header links every place it may go."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.urls import reverse

from contactpoint import landing, roles
from tests.core.test_auth import current_totp_code
from tests.factories import PASSWORD, DepartmentFactory, UserFactory, with_totp

pytestmark = pytest.mark.django_db

QUEUE = "/admin/matching/match/"
TEAM = "/team/"
WORKSPACE = "/workspace/"
VADEMECUM = "/vademecum/workspace/"
DASHBOARD = "/dashboard/"
MY_AREA = "/my/"


def person(role: str, *more_roles: str):
    user = UserFactory(role=role)
    user.groups.add(*Group.objects.filter(name__in=more_roles))
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if roles.is_city_staff(user):
        with_totp(user)
    if roles.DEPARTMENT in (role, *more_roles):
        DepartmentFactory().members.add(user)
    return user


def sign_in(client, user) -> str:
    """The real allauth flow (password, then the TOTP code for staff); returns where it lands."""
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    if response["Location"].startswith("/accounts/2fa/authenticate/"):
        response = client.post(response["Location"], {"code": current_totp_code(user)})
        assert response.status_code == 302
    return response["Location"]


@pytest.mark.parametrize(
    ("role", "lands_on"),
    [
        (roles.ACCOUNT_MANAGER, QUEUE),
        (roles.TEAM_LEAD, TEAM),
        (roles.DEPARTMENT, WORKSPACE),
        (roles.CABINET, DASHBOARD),
        (roles.LEGAL, VADEMECUM),
        (roles.STAKEHOLDER, MY_AREA),
    ],
)
def test_each_role_lands_on_its_work_after_signing_in(client, role, lands_on):
    user = person(role)

    assert sign_in(client, user) == lands_on
    assert client.get(lands_on).status_code == 200


def test_an_explicit_next_still_wins(client):
    user = person(roles.ACCOUNT_MANAGER)

    response = client.post(
        "/accounts/login/?next=/needs/", {"login": user.email, "password": PASSWORD}
    )
    response = client.post(response["Location"], {"code": current_totp_code(user)})

    assert response["Location"] == "/needs/"


def test_the_home_page_sign_in_link_does_not_send_back_home(client):
    html = client.get("/").content.decode()

    assert 'href="/accounts/login/"' in html
    assert "?next=/needs/" in client.get("/needs/").content.decode()


@pytest.mark.parametrize(
    ("role", "links"),
    [
        (roles.ACCOUNT_MANAGER, [QUEUE, "/admin/"]),
        (roles.TEAM_LEAD, [TEAM, QUEUE, "/admin/"]),
        (roles.DEPARTMENT, [WORKSPACE, "/admin/"]),
        (roles.CABINET, [DASHBOARD, "/admin/"]),
        (roles.LEGAL, [VADEMECUM, "/admin/"]),
        (roles.STAKEHOLDER, [MY_AREA]),
    ],
)
def test_the_header_links_every_place_the_roles_allow(client, role, links):
    user = person(role)
    client.force_login(user)

    html = client.get("/needs/").content.decode()
    nav = html[html.index('id="main-menu"') :]
    found = re.findall(r'<a class="nav-link[^"]*"\s+href="([^"]+)"\s+data-place=', nav)

    assert found == links


def test_a_person_with_two_roles_gets_both_places(client):
    user = person(roles.DEPARTMENT, roles.ACCOUNT_MANAGER)

    assert [place.url for place in landing.places_for(user)] == [
        QUEUE,
        WORKSPACE,
        "/admin/",
    ]


def test_staff_opening_the_personal_area_are_sent_to_their_work(client):
    user = person(roles.DEPARTMENT)
    client.force_login(user)

    response = client.get(MY_AREA, follow=True, headers={"accept-language": "it"})

    assert response.redirect_chain == [(WORKSPACE, 302)]
    assert "area personale è per le organizzazioni" in response.content.decode()


def test_team_lead_default_queue_is_the_unassigned_one_while_matches_wait(client):
    from tests.matching.workflow_support import make_match, make_team_lead

    lead = make_team_lead()
    waiting = make_match(manager=None, stage="proposed")
    with_totp(lead)
    client.force_login(lead)

    response = client.get(QUEUE)

    assert [m.pk for m in response.context["cl"].result_list] == [waiting.pk]
    waiting.stage = "expired"
    waiting.save()
    response = client.get(QUEUE)
    assert list(response.context["cl"].result_list) == []  # back to their own queue


def test_overview_is_refused_to_stakeholders_and_departments(client):
    for role in (roles.STAKEHOLDER, roles.DEPARTMENT):
        client.force_login(person(role))
        assert client.get(reverse("matching:overview")).status_code == 403


def test_the_admin_links_the_same_work_places(client):
    user = person(roles.TEAM_LEAD)
    client.force_login(user)

    html = client.get("/admin/").content.decode()

    assert '<a href="/team/" data-place="team">' in html
    assert '<a href="/admin/matching/match/" data-place="queue">' in html
