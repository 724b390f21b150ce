"""The dashboard: who may read it, its filters, a pinned query count, CSV and PDF exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from contactpoint import roles
from matching.models import Stage
from tests.factories import (
    InterventionAreaFactory,
    MatchFactory,
    MunicipioFactory,
    NeedFactory,
    NeighbourhoodFactory,
    OrganisationMembershipFactory,
    UserFactory,
)
from tests.matching.workflow_support import login
from tests.monitoring.support import collaboration

pytestmark = pytest.mark.django_db


@pytest.fixture
def cabinet(client):
    return login(client, UserFactory(role=roles.CABINET))


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/export.csv", "/dashboard/export.pdf"])
def test_stakeholders_get_a_403_in_the_sites_look(client, path):
    login(client, OrganisationMembershipFactory().user)
    response = client.get(path)
    assert response.status_code == 403
    assert b"Accesso negato" in response.content
    assert b"skip-link" in response.content  # the site's shell


@pytest.mark.parametrize("role", [roles.CABINET, roles.ACCOUNT_MANAGER, roles.LEGAL])
def test_cabinet_and_staff_read_the_dashboard(client, role):
    login(client, UserFactory(role=role))
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert "Persone formate" in response.content.decode()


def test_cards_show_value_target_and_previous_year_in_english(cabinet):
    year = timezone.localdate().year
    collaboration(started=timezone.now())
    collaboration(started=timezone.now().replace(year=year - 1))
    collaboration(started=timezone.now().replace(year=year - 1))
    response = cabinet.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    cabinet.cookies["contactpoint_language"] = "en"
    response = cabinet.get("/dashboard/")
    html = response.content.decode()
    assert "Projects started with different engagement methods" in html
    card = response.context["board"].kpis["projects_started"]
    assert (card.value, card.previous, card.target, card.change) == (1, 2, 8, -1)
    assert 'id="chart-funnel"' in html and 'id="table-funnel"' in html
    assert "<circle" in html or "coverage-map" in html


def test_invalid_filters_are_reported_on_their_field_and_ignored(cabinet):
    response = cabinet.get("/dashboard/?year=1900&area=999999")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"year", "area"}
    assert response.context["board"].filters.year == timezone.localdate().year


def test_filters_narrow_the_figures(cabinet):
    food, other = InterventionAreaFactory(), InterventionAreaFactory()
    municipio = MunicipioFactory(number=4)
    nil = NeighbourhoodFactory(municipio=municipio)
    MatchFactory(need=NeedFactory(area=food, neighbourhood=nil), stage=Stage.PROPOSED)
    MatchFactory(need=NeedFactory(area=other), stage=Stage.PROPOSED)
    year = timezone.localdate().year
    everything = cabinet.get(f"/dashboard/?year={year}").context["board"]
    narrowed = cabinet.get(
        f"/dashboard/?year={year}&area={food.pk}&municipio={municipio.pk}"
    ).context["board"]
    assert everything.kpis["funnel_offers"].value == 2
    assert narrowed.kpis["funnel_offers"].value == 1
    assert [row["label"] for row in narrowed.by_area] == [food.name]


def test_dashboard_query_count_does_not_grow_with_the_data(cabinet):
    cabinet.get("/dashboard/")  # session, user and roles warm

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert cabinet.get("/dashboard/").status_code == 200
        return len(queries.captured_queries)

    before = count()
    for _ in range(4):
        match = MatchFactory(stage=Stage.IN_DELIVERY, contacted_at=timezone.now())
        collaboration(match=match, started=timezone.now(), departments=[match.need.department])
    # session + user + TOTP check + roles, the 20 KPI queries, the NILs of the map, and the
    # areas and Municipi of the filter form.
    assert count() == before


def test_csv_export_lists_every_kpi_with_this_and_last_year(cabinet):
    year = timezone.localdate().year
    response = cabinet.get(f"/dashboard/export.csv?year={year}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][4:6] == [str(year), str(year - 1)]
    codes = {row[1] for row in rows if row[0] == "kpi"}
    assert {"people_trained", "funnel_offers", "evaluations_done", "needs_covered"} <= codes


def test_pdf_export_reads_back(cabinet):
    collaboration(started=timezone.now(), devices=25)
    response = cabinet.get("/dashboard/export.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Persone formate" in text
    assert "Dispositivi consegnati" in text
    assert "25" in text
