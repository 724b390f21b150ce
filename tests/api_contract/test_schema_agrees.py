"""The schema and the answers agree on the cases the contract run once found broken."""

from __future__ import annotations

import jsonschema
import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from contactpoint import api_tokens, roles
from stakeholders.models import Offer, Organisation
from tests.factories import OrganisationFactory, UserFactory
from tests.stakeholders.offer_support import api_payload

pytestmark = pytest.mark.django_db

OPERATIONS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(name="schema")
def schema_fixture() -> dict:
    return Client().get("/api/schema/?format=json").json()


def staff_api(role: str) -> APIClient:
    _token, secret = api_tokens.create_token(
        user=UserFactory(role=role), name="t", scope="write", lifetime_days=30
    )
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in OPERATIONS:
                yield path, method, operation


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def enum_values(schema: dict, node: dict) -> list:
    """The values an enum property allows, through $ref, allOf and oneOf."""
    node = resolve(schema, node)
    values = list(node.get("enum", []))
    for part in node.get("allOf", []) + node.get("oneOf", []):
        values += enum_values(schema, part)
    return values


def test_every_operation_documents_its_error_answers(schema):
    for path, method, operation in operations(schema):
        assert {"400", "401", "403", "404", "429"} <= set(operation["responses"]), (path, method)
    field_errors = schema["components"]["schemas"]["FieldErrors"]
    assert "field_name" not in field_errors.get("properties", {})
    assert field_errors["additionalProperties"]
    assert not [
        name
        for name, component in schema["components"]["schemas"].items()
        if "field_name" in component.get("properties", {})
    ]


def test_a_field_error_body_matches_the_documented_400(schema):
    body = staff_api(roles.ACCOUNT_MANAGER).post("/api/v1/organisations/", {}, format="json")
    assert body.status_code == 400
    documented = schema["paths"]["/api/v1/organisations/"]["post"]["responses"]["400"]
    validator = {**documented["content"]["application/json"]["schema"], **schema}
    jsonschema.validate(body.json(), validator)
    assert "legal_name" in body.json()


def test_public_operations_need_no_credentials_and_staff_ones_do(schema):
    public = {
        (path, method)
        for path, method, operation in operations(schema)
        if {} in operation.get("security", [])
    }
    assert public == {
        ("/api/v1/needs/", "get"),
        ("/api/v1/needs/{id}/", "get"),
        ("/api/v1/offers/", "post"),
        ("/api/v1/vademecum/templates/", "get"),
        ("/api/v1/vademecum/templates/{slug}/", "get"),
        ("/api/v1/vademecum/versions/", "get"),
        ("/api/v1/vademecum/versions/{id}/", "get"),
    }


def test_an_organisation_with_blank_website_and_size_matches_its_schema(schema):
    organisation = OrganisationFactory(website="", size="")
    response = staff_api(roles.ACCOUNT_MANAGER).get(f"/api/v1/organisations/{organisation.pk}/")
    assert response.status_code == 200
    assert response.json()["website"] == "" and response.json()["size"] == ""
    output = resolve(schema, {"$ref": "#/components/schemas/OrganisationOutput"})
    for name in ("website", "size"):
        prop = {**output["properties"][name], "components": schema["components"]}
        jsonschema.validate(response.json()[name], prop)
    assert "format" not in output["properties"]["website"]
    assert "" in enum_values(schema, output["properties"]["size"])


@pytest.mark.parametrize("path", ["/api/v1/needs/abc/", "/api/v1/needs/1.5/", "/api/v1/nothing/"])
def test_an_id_that_is_no_number_is_a_json_404(path):
    response = APIClient().get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_consent_false_is_a_documented_field_error(schema):
    cache.clear()
    offer = resolve(schema, {"$ref": "#/components/schemas/OfferCreateRequest"})
    assert enum_values(schema, offer["properties"]["consent_contact"]) == [True]
    response = APIClient().post(
        "/api/v1/offers/", api_payload(consent_contact=False), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["consent_contact"]
    assert not Offer.objects.exists() and not Organisation.objects.exists()


def test_municipio_zero_is_a_documented_field_error(schema):
    parameters = schema["paths"]["/api/v1/needs/"]["get"]["parameters"]
    municipio = next(p for p in parameters if p["name"] == "municipio")
    assert municipio["schema"]["minimum"] == 1
    response = APIClient().get("/api/v1/needs/?municipio=0")
    assert response.status_code == 400
    assert "municipio" in response.json()


@pytest.mark.parametrize("value", ["null", "yes", "2"])
def test_a_boolean_filter_refuses_anything_but_true_or_false(value):
    api = staff_api(roles.TEAM_LEAD)
    response = api.get(f"/api/v1/matches/?other_candidate={value}")
    assert response.status_code == 400
    assert "other_candidate" in response.json()
    assert api.get("/api/v1/organisations/?local_group=false").status_code == 200


def test_a_number_where_text_is_expected_is_refused():
    response = staff_api(roles.ACCOUNT_MANAGER).post(
        "/api/v1/organisations/", {"kind": "company", "legal_name": 0}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["legal_name"] == ["Not a valid string."]
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    "query",
    ["needs/?resource_kind=", "needs/?neighbourhood=", "needs/?page=", "vademecum/versions/?page="],
)
def test_an_empty_filter_or_page_is_a_400_not_an_unfiltered_list(query):
    name = query.split("?")[1].rstrip("=")
    response = APIClient().get(f"/api/v1/{query}")
    assert response.status_code == 400
    assert list(response.json()) == [name]
