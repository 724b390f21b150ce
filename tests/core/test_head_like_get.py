"""HEAD answers like GET on every public page, the health probe and the API reads, and every
response carries the Permissions-Policy that turns off the browser features nobody uses."""

from __future__ import annotations

import pytest

from contactpoint import roles
from contactpoint.middleware import PERMISSIONS_POLICY
from matching.models import Stage
from tests.factories import NeedFactory, OrganisationFactory, UserFactory
from tests.matching.workflow_support import (
    login,
    make_department_user,
    make_manager,
    make_match,
    make_stakeholder,
)
from vademecum import loading
from vademecum.models import TemplateVersion

pytestmark = [pytest.mark.django_db]

PUBLIC_PATHS = [
    "/",
    "/privacy/",
    "/accessibility/",
    "/needs/",
    "/needs/?q=computer",
    "/needs/{need}/",
    "/offers/new/",
    "/offers/new/?need={need}",
    "/offers/thanks/",
    "/vademecum/",
    "/vademecum/guide/",
    "/vademecum/companies/",
    "/vademecum/{template}/",
    "/vademecum/{template}/v{version}/pdf/",
    "/showcase/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/health/",
    "/api/v1/",
    "/api/v1/needs/",
    "/api/v1/needs/{need}/",
    "/api/schema/",
    "/api/docs/",
    # Answers that are not 200 must match too.
    "/needs/999999/",
    "/no-such-page/",
    "/my/",
    "/dashboard/",
]


@pytest.fixture
def public_objects(db):
    loading.load_vademecum()
    version = TemplateVersion.objects.published().select_related("template").first()
    need = NeedFactory(title="Computer portatili per la scuola")
    return {"need": need.pk, "template": version.template.slug, "version": version.number}


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_head_answers_like_get(client, public_objects, path):
    url = path.format(**public_objects)

    get = client.get(url)
    head = client.head(url)

    assert get.status_code in (200, 302, 404), (url, get.status_code)
    assert head.status_code == get.status_code, url
    assert head["Content-Type"] == get["Content-Type"], url
    assert head.get("Location") == get.get("Location"), url
    assert head.content == b"", url
    assert head["Permissions-Policy"] == get["Permissions-Policy"] == PERMISSIONS_POLICY


def assert_head_like_get(client, url: str) -> None:
    get = client.get(url)
    head = client.head(url)

    assert get.status_code == 200, (url, get.status_code)
    assert head.status_code == 200, url
    assert head["Content-Type"] == get["Content-Type"], url
    assert head.get("Content-Disposition") == get.get("Content-Disposition"), url
    assert head.content == b"", url


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        ("stakeholder", ["/my/", "/my/matches/", "/my/agreements/", "/my/statements/"]),
        ("department", ["/workspace/", "/workspace/needs/new/"]),
        ("cabinet", ["/dashboard/", "/dashboard/export.csv", "/dashboard/export.pdf"]),
        ("legal", ["/vademecum/workspace/"]),
        ("manager", ["/admin/matching/match/", "/api/v1/matches/", "/api/v1/kpis/"]),
    ],
)
def test_head_answers_like_get_for_signed_in_people(client, role, paths):
    match = make_match(manager=make_manager(), stage=Stage.CONTACTED)
    user = {
        "stakeholder": lambda: make_stakeholder(OrganisationFactory()),
        "department": make_department_user,
        "cabinet": lambda: UserFactory(role=roles.CABINET),
        "legal": lambda: UserFactory(role=roles.LEGAL),
        "manager": lambda: match.manager,
    }[role]()
    login(client, user)

    for path in paths:
        assert_head_like_get(client, path)


def test_permissions_policy_denies_sensors_devices_and_payment(client):
    response = client.get("/")

    policy = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "hid"):
        assert policy[feature] == "()", feature


def test_permissions_policy_is_on_requests_the_input_guard_rejects(client):
    rejected = client.get("/needs/", {"q": "nul\x00byte"})

    assert rejected.status_code == 400
    assert rejected["Permissions-Policy"] == PERMISSIONS_POLICY
