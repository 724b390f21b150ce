"""/api/v1/offers/: anonymous create with the form's protections; owners and staff read."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from contactpoint import roles
from contactpoint.models import OutboxMessage
from needs.models import Need
from stakeholders.models import Offer, OrganisationMembership
from tests.factories import (
    InterventionAreaFactory,
    NeedFactory,
    OfferFactory,
    OrganisationFactory,
    UserFactory,
    valid_vat_number,
)

from .offer_support import api_payload, counts

pytestmark = pytest.mark.django_db

URL = "/api/v1/offers/"


@pytest.fixture
def api():
    return APIClient()


def create(api, body, key=None, **extra):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post(URL, body, format="json", headers=headers, **extra)


# --- Create -------------------------------------------------------------------------------


def test_anonymous_create_returns_a_receipt_with_the_private_link(api, places):
    need = NeedFactory(title="Borse STEM", area=places["area"])

    response = create(api, api_payload(places, need=need.pk), key="api-key-0123456789abcd")

    assert response.status_code == 201, response.json()
    offer = Offer.objects.get()
    body = response.json()
    assert body["id"] == offer.pk
    assert body["status"] == "submitted"
    assert body["tracking_url"].endswith(f"/offers/track/{offer.tracking_token}/")
    assert set(body) == {"id", "status", "title", "created_at", "tracking_url"}
    assert offer.need == need
    assert offer.language == "en"
    assert offer.idempotency_key == "api-key-0123456789abcd"
    assert list(offer.areas.all()) == [places["area"]]
    assert list(offer.neighbourhoods.all()) == [places["nil"]]
    assert offer.organisation.tax_code == valid_vat_number(7002)
    assert sorted(OutboxMessage.objects.values_list("task_name", flat=True)) == [
        "matching.match_offer",
        "stakeholders.send_offer_confirmation",
    ]


def test_a_retry_with_the_same_idempotency_key_returns_the_same_offer(api):
    first = create(api, api_payload(), key="retry-key-0123456789abc")
    second = create(api, api_payload(), key="retry-key-0123456789abc")
    # Even a changed body cannot create a second offer under the same key.
    third = create(api, api_payload(title="Altro"), key="retry-key-0123456789abc")

    assert first.status_code == 201
    assert second.status_code == third.status_code == 200
    assert first.json() == second.json() == third.json()
    assert Offer.objects.count() == 1


def test_without_a_key_every_request_is_a_new_offer(api):
    create(api, api_payload())
    create(api, api_payload(title="Seconda"))

    assert Offer.objects.count() == 2


@pytest.mark.parametrize("key", ["short", "x" * 65, "spaces are bad key!", "ключ-ключ-ключ-ключ"])
def test_a_malformed_idempotency_key_is_a_400_naming_it(api, key):
    response = api.post(URL, api_payload(), format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert "idempotency_key" in response.json()
    assert Offer.objects.count() == 0


BAD_API_INPUT = [
    ("legal_name", {"legal_name": None}),
    ("legal_name", {"legal_name": "   "}),
    ("legal_name", {"legal_name": "x" * 201}),
    ("kind", {"kind": "spaceship"}),
    ("tax_code", {"tax_code": "12345678901"}),
    ("tax_code", {"tax_code": 12345}),
    ("vat_number", {"vat_number": "IT999"}),
    ("website", {"website": "javascript:alert(1)"}),
    ("email", {"email": "nope"}),
    ("email", {"email": None}),
    ("phone", {"phone": "call me"}),
    ("language", {"language": "de"}),
    ("resource_kind", {"resource_kind": "gold"}),
    ("title", {"title": "x" * 201}),
    ("description", {"description": "x" * 5001}),
    ("description", {"description": ["a", "list"]}),
    ("quantity", {"quantity": "many"}),
    ("quantity", {"quantity": 0}),
    ("quantity", {"quantity": 10_000_001}),
    ("quantity", {"quantity": 2.5}),
    ("unit", {"unit": "x" * 41}),
    ("areas", {"areas": "digital-poverty"}),
    ("areas", {"areas": ["no-such-area"]}),
    ("areas", {"areas": [f"a{i}" for i in range(21)]}),
    ("neighbourhoods", {"neighbourhoods": [999999]}),
    ("neighbourhoods", {"neighbourhoods": ["abc"]}),
    ("neighbourhoods", {"neighbourhoods": list(range(1, 22))}),
    ("municipi", {"municipi": [77]}),
    ("available_from", {"available_from": "31/31/2027"}),
    ("available_until", {"available_from": "2027-05-01", "available_until": "2027-04-30"}),
    ("need", {"need": 999999}),
    ("need", {"need": "abc"}),
    ("need", {"need": 2**70}),
    ("consent_contact", {"consent_contact": False}),
    ("consent_contact", {"consent_contact": None}),
    ("allow_press", {"allow_press": "perhaps"}),
]


@pytest.mark.parametrize(("field", "overrides"), BAD_API_INPUT)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(api, field, overrides):
    before = counts()
    body = api_payload(**{k: v for k, v in overrides.items() if v is not None})
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)

    response = create(api, body, key="bad-input-key-0123456789")

    assert response.status_code == 400, response.json()
    assert field in response.json(), response.json()
    assert counts() == before
    assert OutboxMessage.objects.count() == 0


def test_a_draft_need_is_refused_like_an_unknown_one(api):
    need = NeedFactory(status=Need.Status.DRAFT)

    response = create(api, api_payload(need=need.pk))

    assert response.status_code == 400
    assert "need" in response.json()


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert Offer.objects.count() == 0


def test_the_per_email_limit_answers_429_with_retry_after(api):
    for n in range(5):
        assert (
            create(
                api, api_payload(tax_code=valid_vat_number(900 + n)), REMOTE_ADDR=f"10.9.0.{n}"
            ).status_code
            == 201
        )
    before = counts()

    response = create(api, api_payload(tax_code=valid_vat_number(999)), REMOTE_ADDR="10.9.1.1")

    assert response.status_code == 429
    assert response.json()["scope"] == "email"
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0
    assert counts() == before


def test_refused_posts_do_not_count_and_the_per_ip_limit_counts_accepted_offers(api, settings):
    settings.OFFER_RATE_LIMIT_PER_IP = 3
    for _ in range(20):  # refused requests never lock an address out
        assert create(api, {"legal_name": ""}, REMOTE_ADDR="10.8.0.1").status_code == 400
    for n in range(3):
        body = api_payload(tax_code=valid_vat_number(700 + n), email=f"ip{n}@bianchi.org")
        assert create(api, body, REMOTE_ADDR="10.8.0.1").status_code == 201

    response = create(api, api_payload(email="ip9@bianchi.org"), REMOTE_ADDR="10.8.0.1")
    other = create(api, api_payload(email="ip9@bianchi.org"), REMOTE_ADDR="10.8.0.2")

    assert response.status_code == 429
    assert response.json()["scope"] == "ip"
    assert int(response["Retry-After"]) > 0
    assert other.status_code == 201
    assert Offer.objects.count() == 4


# --- Read ---------------------------------------------------------------------------------


@pytest.fixture
def two_orgs():
    org_a = OrganisationFactory(legal_name="Alfa")
    org_b = OrganisationFactory(legal_name="Beta")
    user_a = UserFactory(email="anna@alfa.it", role=roles.STAKEHOLDER, verified=True)
    OrganisationMembership.objects.create(user=user_a, organisation=org_a)
    return {
        "user_a": user_a,
        "offer_a": OfferFactory(organisation=org_a, title="Offerta Alfa"),
        "offer_b": OfferFactory(organisation=org_b, title="Offerta Beta"),
    }


def test_anonymous_cannot_list_or_read_offers(api, two_orgs):
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}{two_orgs['offer_a'].pk}/").status_code == 403


def test_stakeholder_lists_and_reads_only_their_organisations_offers(api, two_orgs):
    api.force_login(two_orgs["user_a"])

    listing = api.get(URL).json()
    mine = api.get(f"{URL}{two_orgs['offer_a'].pk}/")
    theirs = api.get(f"{URL}{two_orgs['offer_b'].pk}/")

    assert [o["title"] for o in listing["results"]] == ["Offerta Alfa"]
    assert mine.status_code == 200
    assert mine.json()["organisation"]["legal_name"] == "Alfa"
    assert theirs.status_code == 404
    assert "Offerta Beta" not in theirs.content.decode()


def test_a_department_user_sees_no_offers(api, two_orgs):
    api.force_login(UserFactory(role=roles.DEPARTMENT, totp=True))

    assert api.get(URL).json()["count"] == 0
    assert api.get(f"{URL}{two_orgs['offer_a'].pk}/").status_code == 404


@pytest.mark.parametrize("role", [roles.ACCOUNT_MANAGER, roles.TEAM_LEAD])
def test_staff_list_every_offer_with_filters(api, two_orgs, role):
    area = InterventionAreaFactory(slug="greening")
    green = OfferFactory(
        title="Alberi", resource_kind="volunteering", status=Offer.Status.IN_REVIEW
    )
    green.areas.add(area)
    api.force_login(UserFactory(role=role, totp=True))

    def titles(**params):
        response = api.get(URL, params)
        assert response.status_code == 200, response.content
        return sorted(o["title"] for o in response.json()["results"])

    assert titles() == ["Alberi", "Offerta Alfa", "Offerta Beta"]
    assert titles(status="in_review") == ["Alberi"]
    assert titles(resource_kind="volunteering") == ["Alberi"]
    assert titles(area="greening") == ["Alberi"]
    assert titles(area="nowhere") == []
    assert api.get(URL, {"status": "bogus"}).status_code == 400


def test_writes_other_than_create_are_not_allowed(api, two_orgs):
    api.force_login(two_orgs["user_a"])
    url = f"{URL}{two_orgs['offer_a'].pk}/"

    assert api.patch(url, {"title": "x"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405


def test_list_query_count_is_pinned_and_does_not_grow(api, two_orgs, django_assert_num_queries):
    manager = UserFactory(role=roles.ACCOUNT_MANAGER, totp=True)
    api.force_login(manager)
    # session, user, roles, MFA authenticator, count, page, areas, municipi, neighbourhoods
    with django_assert_num_queries(9):
        assert api.get(URL).status_code == 200
    for _ in range(15):
        offer = OfferFactory()
        offer.areas.add(InterventionAreaFactory())
    with django_assert_num_queries(9):
        response = api.get(URL)
    assert response.json()["count"] == 17

    api.force_login(two_orgs["user_a"])
    # session, user, roles, count, page, areas, municipi, neighbourhoods (no MFA check)
    with django_assert_num_queries(8):
        assert api.get(URL).json()["count"] == 1


def test_the_schema_documents_the_offers_endpoint_and_its_errors(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    post = schema["paths"]["/api/v1/offers/"]["post"]
    assert {"201", "200", "400", "429"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])
    get = schema["paths"]["/api/v1/offers/"]["get"]
    assert {"status", "resource_kind", "area"} <= {p["name"] for p in get["parameters"]}
    assert "404" in schema["paths"]["/api/v1/offers/{id}/"]["get"]["responses"]
