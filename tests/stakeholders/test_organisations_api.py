"""/api/v1/organisations/: staff only, filters, create through resolve, 400 on bad input."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from contactpoint import roles
from contactpoint.models import AuditEntry
from stakeholders.models import DuplicateFlag, Organisation
from tests.factories import (
    InterventionAreaFactory,
    MunicipioFactory,
    OfferFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    UserFactory,
    valid_vat_number,
    with_totp,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/organisations/"


def api_client(role: str | None = None, *, superuser: bool = False) -> tuple[APIClient, object]:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    user = UserFactory(role=role, superuser=superuser)
    if user.is_staff:
        with_totp(user)
    client.force_login(user)
    return client, user


@pytest.fixture
def manager_api():
    return api_client(roles.ACCOUNT_MANAGER)[0]


# --- permissions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (roles.STAKEHOLDER, False),
        (roles.DEPARTMENT, False),
        (roles.CABINET, False),
        (roles.LEGAL, False),
        (None, False),
        (roles.ACCOUNT_MANAGER, True),
        (roles.TEAM_LEAD, True),
    ],
)
def test_permission_matrix(role, allowed):
    organisation = OrganisationFactory(legal_name="Riservata S.p.A.")
    if role == roles.STAKEHOLDER:
        client, user = api_client(role)
        OrganisationMembershipFactory(user=user, organisation=organisation)
    else:
        client, _user = api_client(role)
    detail = f"{URL}{organisation.pk}/"
    responses = [
        client.get(URL),
        client.get(detail),
        client.post(URL, {"kind": "company", "legal_name": "Nuova"}, format="json"),
        client.patch(detail, {"sector": "x"}, format="json"),
    ]
    if allowed:
        assert [r.status_code for r in responses] == [200, 200, 201, 200]
    else:
        assert [r.status_code for r in responses] == [403, 403, 403, 403]
        assert all(b"Riservata" not in r.content for r in responses)
        assert Organisation.objects.count() == 1


def test_superuser_may_use_the_registry_api():
    client, _ = api_client(superuser=True)
    assert client.get(URL).status_code == 200


def test_anonymous_is_refused():
    OrganisationFactory()
    response = APIClient().get(URL)
    assert response.status_code in (401, 403)
    assert APIClient().post(URL, {"kind": "company", "legal_name": "X"}).status_code in (401, 403)
    assert not Organisation.objects.filter(legal_name="X").exists()


# --- list, filters, query count ------------------------------------------------------------


def test_list_filters_by_kind_interest_local_group_and_name(manager_api):
    stem = InterventionAreaFactory(slug="stem")
    bracco = OrganisationFactory(
        legal_name="Fondazione Bracco", kind="foundation", local_group=True
    )
    bracco.interests.add(stem)
    OrganisationFactory(legal_name="Alfa S.p.A.", kind="company", vat_number=valid_vat_number(3))
    OrganisationFactory(legal_name="Assorbita", merged_into=bracco)

    def names(**params):
        response = manager_api.get(URL, params)
        assert response.status_code == 200
        return [row["legal_name"] for row in response.json()["results"]]

    assert names() == ["Alfa S.p.A.", "Fondazione Bracco"]
    assert names(kind="foundation") == ["Fondazione Bracco"]
    assert names(interests="stem") == ["Fondazione Bracco"]
    assert names(local_group="true") == ["Fondazione Bracco"]
    assert names(q="bracco") == ["Fondazione Bracco"]
    assert names(q=f"IT{valid_vat_number(3)}") == ["Alfa S.p.A."]
    row = manager_api.get(URL, {"kind": "foundation"}).json()["results"][0]
    assert row["interests"] == ["stem"]


def test_bad_filter_values_are_400_naming_the_filter(manager_api):
    response = manager_api.get(URL, {"kind": "pirate"})
    assert response.status_code == 400
    assert "kind" in response.json()
    response = manager_api.get(URL, {"q": "x" * 201})
    assert response.status_code == 400
    assert "q" in response.json()


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_rows(manager_api):
    area = InterventionAreaFactory()
    municipio = MunicipioFactory()
    network = OrganisationFactory(kind="network")

    def add(n):
        for _ in range(n):
            organisation = OrganisationFactory(relationship_owner=UserFactory())
            organisation.interests.add(area)
            organisation.preferred_municipi.add(municipio)
            organisation.member_of.add(network)
            OfferFactory(organisation=organisation)

    add(2)
    few = _list_queries(manager_api)
    add(12)
    assert _list_queries(manager_api) == few
    # session, user, MFA check, roles, count, page, 4 prefetches (areas, municipi, NIL, networks)
    assert few == 10


def test_retrieve_shows_open_offers_owner_and_networks(manager_api):
    owner = UserFactory(role=roles.ACCOUNT_MANAGER, first_name="Laura", last_name="Conti")
    network = OrganisationFactory(legal_name="Assolombarda", kind="network")
    member = OrganisationFactory(legal_name="Esempio Tech S.r.l.", relationship_owner=owner)
    member.member_of.add(network)
    OfferFactory.create_batch(2, organisation=member)
    body = manager_api.get(f"{URL}{member.pk}/").json()
    assert body["open_offers"] == 2
    assert body["relationship_owner"]["name"] == "Laura Conti"
    assert body["member_of"] == [{"id": network.pk, "legal_name": "Assolombarda"}]


# --- create and update ------------------------------------------------------------------------


def test_create_links_to_the_existing_organisation_by_tax_code(manager_api):
    existing = OrganisationFactory(tax_code=valid_vat_number(5))
    response = manager_api.post(
        URL,
        {"kind": "company", "legal_name": "Altro nome", "vat_number": f"IT{valid_vat_number(5)}"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["id"] == existing.pk
    assert Organisation.objects.count() == 1


def test_create_new_organisation_is_201_audited_and_flagged(manager_api):
    OrganisationFactory(legal_name="Fondazione Cariplo", kind="foundation")
    response = manager_api.post(
        URL,
        {
            "kind": "foundation",
            "legal_name": "Fondazione CARIPLO Onlus",
            "email": "info@cariplo.example.it",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email_domain"] == "cariplo.example.it"
    assert DuplicateFlag.objects.filter(organisation_id=body["id"]).exists()
    assert AuditEntry.objects.filter(
        action="stakeholders.organisation.created", object_id=str(body["id"])
    ).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "company", "legal_name": "Alfa", "tax_code": "123"}, "tax_code"),
        ({"kind": "company", "legal_name": "Alfa", "vat_number": "IT123"}, "vat_number"),
        ({"kind": "company", "legal_name": "x" * 201}, "legal_name"),
        ({"kind": "pirate", "legal_name": "Alfa"}, "kind"),
        ({"kind": "company"}, "legal_name"),
        ({"kind": "company", "legal_name": "Alfa", "website": "not a url"}, "website"),
        ({"kind": "company", "legal_name": "   "}, "legal_name"),
    ],
)
def test_bad_create_input_is_400_naming_the_field(manager_api, payload, field):
    with translation.override("en"):
        response = manager_api.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Organisation.objects.exists()


def test_malformed_tax_code_message_is_clear(manager_api):
    response = manager_api.post(
        URL, {"kind": "company", "legal_name": "Alfa", "tax_code": "ABC"}, format="json"
    )
    assert response.json()["tax_code"] == [
        "Enter a valid Italian tax code (11 digits or 16 characters)."
    ]


def test_patch_updates_profile_and_relations_and_is_audited(manager_api):
    stem = InterventionAreaFactory(slug="stem")
    owner = UserFactory(role=roles.ACCOUNT_MANAGER)
    network = OrganisationFactory(kind="network")
    organisation = OrganisationFactory()
    response = manager_api.patch(
        f"{URL}{organisation.pk}/",
        {
            "sector": "Energia",
            "interests": ["stem"],
            "relationship_owner": owner.pk,
            "member_of": [network.pk],
            "tax_code": f" {valid_vat_number(44)} ",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    organisation.refresh_from_db()
    assert organisation.sector == "Energia"
    assert organisation.tax_code == valid_vat_number(44)
    assert list(organisation.interests.all()) == [stem]
    assert organisation.relationship_owner == owner
    entry = AuditEntry.objects.get(action="stakeholders.organisation.changed")
    assert set(entry.payload["fields"]) == {
        "sector",
        "tax_code",
        "relationship_owner",
        "interests",
        "member_of",
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"tax_code": "12345678901"}, "tax_code"),
        ({"interests": ["nope"]}, "interests"),
        ({"relationship_owner": 999999}, "relationship_owner"),
        ({"email_domain": "gmail.com"}, "email_domain"),
        ({"size": "huge"}, "size"),
    ],
)
def test_bad_patch_is_400_and_changes_nothing(manager_api, payload, field):
    organisation = OrganisationFactory(sector="Prima")
    response = manager_api.patch(
        f"{URL}{organisation.pk}/", {**payload, "sector": "Dopo"}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    organisation.refresh_from_db()
    assert organisation.sector == "Prima"


def test_patch_with_a_code_of_another_organisation_names_it(manager_api):
    OrganisationFactory(legal_name="Prima S.p.A.", tax_code=valid_vat_number(14))
    organisation = OrganisationFactory()
    response = manager_api.patch(
        f"{URL}{organisation.pk}/", {"vat_number": valid_vat_number(14)}, format="json"
    )
    assert response.status_code == 400
    assert "Prima S.p.A." in response.json()["vat_number"][0]


def test_organisation_cannot_join_itself(manager_api):
    organisation = OrganisationFactory()
    response = manager_api.patch(
        f"{URL}{organisation.pk}/", {"member_of": [organisation.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "member_of" in response.json()


def test_unknown_organisation_is_404(manager_api):
    assert manager_api.get(f"{URL}999999/").status_code == 404


def test_schema_documents_the_organisations_filters(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"] for p in schema["paths"]["/api/v1/organisations/"]["get"]["parameters"]}
    assert {"q", "kind", "local_group", "interests"} <= parameters
    assert "400" in schema["paths"]["/api/v1/organisations/"]["post"]["responses"]
