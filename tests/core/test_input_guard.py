"""NUL bytes, lone surrogates and malformed ids answer 4xx before any view: the named cases."""

from __future__ import annotations

import json

import pytest

from contactpoint import roles
from stakeholders.models import Offer
from tests.factories import MatchFactory, OfferFactory, UserFactory, with_totp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def team_lead(client):
    user = UserFactory(role=roles.TEAM_LEAD)
    with_totp(user)
    client.force_login(user)
    return user


def test_a_nul_byte_in_a_tracking_link_is_a_400(client):
    assert client.get("/offers/track/%00/").status_code == 400
    assert client.post("/offers/track/%00/withdraw/").status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/needs/?department=%00",
        "/api/v1/needs/?area=a%00b",
        "/api/v1/organisations/?interests=%00",
        "/needs/?area=%00",
    ],
)
def test_a_nul_byte_in_a_filter_is_a_400(client, team_lead, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert "detail" in response.json()


def test_nul_or_a_lone_surrogate_in_a_json_body_is_refused_and_stores_nothing(client):
    for title in ("Computer\u0000", "Computer \ud800"):
        body = json.dumps({"title": title})  # "\u0000" and "\ud800" escaped, valid JSON
        response = client.post("/api/v1/offers/", body, content_type="application/json")
        assert response.status_code == 400
        assert "cannot be stored" in response.json()["detail"]
    assert not Offer.objects.exists()


def test_nul_in_a_form_is_refused(client):
    response = client.post("/offers/new/", {"legal_name": "Rossi\x00"})
    assert response.status_code == 400
    assert not Offer.objects.exists()


@pytest.mark.parametrize("action", ["transition", "reassign", "hand-over", "split", "contact"])
def test_a_non_numeric_id_on_a_match_action_page_is_a_4xx(client, team_lead, action):
    MatchFactory()
    for bad in ("abc", "1.5", "%00"):
        url = f"/admin/matching/match/{bad}/{action}/"
        assert 400 <= client.get(url).status_code < 500
        assert 400 <= client.post(url).status_code < 500


def test_a_non_numeric_selection_for_an_admin_action_is_a_400(client, team_lead):
    OfferFactory()
    response = client.post(
        "/admin/stakeholders/organisation/",
        {"action": "export_csv", "_selected_action": ["abc"]},
    )
    assert response.status_code == 400


def test_ordinary_text_with_accents_and_rtl_marks_passes(client):
    assert client.get("/needs/?q=caff%C3%A8+%E2%80%AB").status_code == 200


def test_a_non_numeric_autocomplete_choice_is_a_field_error(client, team_lead):
    from stakeholders.models import ContactPerson

    response = client.post(
        "/admin/stakeholders/contactperson/add/",
        {"organisation": "abc", "first_name": "Anna", "last_name": "Verdi", "email": "a@b.it"},
    )
    assert response.status_code == 200
    assert "organisation" in response.context["adminform"].form.errors
    assert not ContactPerson.objects.exists()
