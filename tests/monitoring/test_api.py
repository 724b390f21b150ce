"""/api/v1/kpis/ and /api/v1/impact-records/: who may read, bad filters, query counts, schema."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contactpoint import roles
from matching.models import Stage
from tests.factories import MatchFactory, OrganisationMembershipFactory, UserFactory
from tests.matching.workflow_support import login, make_manager
from tests.monitoring.support import at, collaboration

pytestmark = pytest.mark.django_db


def test_cabinet_reads_kpis_of_a_year_with_the_previous_one(client):
    collaboration(started=at(2025, 3, 1), devices=12)
    collaboration(started=at(2024, 3, 1), devices=5)
    login(client, UserFactory(role=roles.CABINET))
    body = client.get("/api/v1/kpis/?year=2025").json()
    devices = next(kpi for kpi in body["kpis"] if kpi["code"] == "impact_devices")
    assert (body["year"], devices["value"], devices["previous"]) == (2025, "12.00", "5.00")
    people = next(kpi for kpi in body["kpis"] if kpi["code"] == "people_trained")
    assert (people["target"], people["baseline"]) == ("20.00", "0.00")


def test_bad_kpi_filters_get_a_400_naming_the_field(client):
    login(client, UserFactory(role=roles.CABINET))
    response = client.get("/api/v1/kpis/?year=abc&municipio=999")
    assert response.status_code == 400
    assert set(response.json()) == {"year", "municipio"}


def test_stakeholders_and_anonymous_get_403(client):
    assert client.get("/api/v1/kpis/").status_code == 403
    login(client, OrganisationMembershipFactory().user)
    assert client.get("/api/v1/kpis/").status_code == 403
    assert client.get("/api/v1/impact-records/").status_code == 403
    login(client, UserFactory(role=roles.CABINET))
    assert client.get("/api/v1/impact-records/").status_code == 403


def test_impact_records_list_with_outputs_in_constant_queries(client):
    login(client, make_manager())
    client.get("/api/v1/impact-records/")

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/impact-records/")
        assert response.status_code == 200
        return len(queries.captured_queries), response.json()

    collaboration(match=MatchFactory(stage=Stage.IN_DELIVERY), started=at(2025, 3, 1), devices=3)
    few, body = count()
    assert body["results"][0]["outputs"] == [
        {"kind": "devices", "expected": None, "actual": "3.00"}
    ]
    for _ in range(4):
        collaboration(started=at(2025, 3, 1), beneficiaries=10)
    many, body = count()
    # session, user, roles, count, page, then outputs, outcomes, departments prefetched.
    assert few == many
    assert body["count"] == 5


def test_both_endpoints_are_in_the_schema(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/kpis/" in schema
    assert "/api/v1/impact-records/" in schema
