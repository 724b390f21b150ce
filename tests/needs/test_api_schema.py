"""The needs API is documented in the OpenAPI schema with its filters and error shapes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_list_documents_every_filter(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/needs/"]["get"]["parameters"]}
    assert {"q", "area", "municipio", "neighbourhood", "resource_kind", "page"} <= set(parameters)
    assert "accents ignored" in parameters["q"]["description"]
    assert set(parameters["resource_kind"]["schema"]["enum"]) == {
        "goods",
        "funding",
        "expertise",
        "volunteering",
        "spaces",
    }
    assert "400" in schema["paths"]["/api/v1/needs/"]["get"]["responses"]


def test_write_operations_document_their_errors(schema):
    create = schema["paths"]["/api/v1/needs/"]["post"]
    assert {"201", "400", "403"} <= set(create["responses"])
    update = schema["paths"]["/api/v1/needs/{id}/"]["patch"]
    assert {"200", "400", "403", "404"} <= set(update["responses"])
    assert "/api/v1/needs/{id}/publish/" in schema["paths"]
    assert "/api/v1/needs/{id}/close/" in schema["paths"]


def test_input_and_output_are_separate_schemas(schema):
    components = schema["components"]["schemas"]
    assert "NeedOutput" in components
    assert "NeedCreateRequest" in components
    output = components["NeedOutput"]["properties"]
    assert "created_by" not in output
    assert "reviewed_by" not in output
    assert "publish" in components["NeedCreateRequest"]["properties"]
