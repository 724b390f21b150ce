"""Company statement (PDF signed off, CSV/JSON annex), annual report PDF, public showcase."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from pypdf import PdfReader

from contactpoint import roles
from matching.models import Stage
from monitoring.models import CompanyStatement, ImpactOutcome
from tests.factories import MatchFactory, OfferFactory, OrganisationFactory, UserFactory
from tests.matching.workflow_support import login, make_manager, make_team_lead
from tests.monitoring.support import at, collaboration

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def company():
    organisation = OrganisationFactory(legal_name="Tecnologie Solidali S.r.l.", allow_press=True)
    match = MatchFactory(offer=OfferFactory(organisation=organisation), stage=Stage.COMPLETED)
    record = collaboration(
        match=match,
        started=at(2025, 3, 1),
        completed=at(2025, 9, 1),
        evaluated=at(2025, 9, 1),
        devices=30,
        beneficiaries=28,
    )
    record.why_this_area = "Famiglie senza computer nel quartiere."
    record.save()
    ImpactOutcome.objects.create(
        collaboration=record,
        dimension="educational",
        description="Alunni che seguono la didattica digitale",
        expected="25",
        actual="27",
        sdg_target="4.4",
    )
    last_year = MatchFactory(offer=OfferFactory(organisation=organisation), stage=Stage.COMPLETED)
    collaboration(match=last_year, started=at(2024, 3, 1), completed=at(2024, 6, 1), devices=10)
    return organisation


def test_statement_annex_keeps_outputs_and_outcomes_apart_with_previous_year(client, company):
    login(client, make_manager())
    data = json.loads(client.get(f"/dashboard/statements/{company.pk}/2025/statement.json").content)
    item = data["collaborations"][0]
    assert {o["indicator"]: o["actual"] for o in item["outputs"]} == {
        "impact_devices": "30",
        "impact_beneficiaries": "28",
    }
    assert item["outcomes"][0]["outcome"] == "Alunni che seguono la didattica digitale"
    assert data["totals"]["impact_devices"] == {"actual": "30", "previous_year": "10"}
    assert "4.4" in data["sdg_targets"] and "4.a" in data["sdg_targets"]
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/dashboard/statements/{company.pk}/2025/statement.csv").content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert {row["level"] for row in rows} == {"output", "outcome"}
    devices = next(row for row in rows if row["indicator"] == "impact_devices")
    assert (devices["actual"], devices["previous_year"], devices["iris_code"]) == (
        "30",
        "10",
        "PI8329",
    )


def test_team_lead_signs_off_once_and_the_pdf_carries_the_annex_hash(client, company):
    login(client, make_team_lead())
    assert client.post(f"/dashboard/statements/{company.pk}/2025/").status_code == 302
    client.post(f"/dashboard/statements/{company.pk}/2025/")  # a second time: refused, kept
    record = CompanyStatement.objects.get()
    annex = client.get(f"/dashboard/statements/{company.pk}/2025/statement.json").content
    assert record.annex_sha256 == hashlib.sha256(annex).hexdigest()
    text = pdf_text(client.get(f"/dashboard/statements/{company.pk}/2025/statement.pdf").content)
    assert "Tecnologie Solidali" in text
    assert record.annex_sha256[:20] in text.replace("\n", "")
    assert "Alunni che seguono la didattica digitale" in text


def test_managers_cannot_sign_off_and_others_cannot_read(client, company):
    login(client, make_manager())
    assert client.post(f"/dashboard/statements/{company.pk}/2025/").status_code == 403
    assert client.get(f"/dashboard/statements/{company.pk}/2025/statement.exe").status_code == 404
    assert client.get(f"/dashboard/statements/{company.pk}/1999/").status_code == 404
    login(client, UserFactory(role=roles.CABINET))
    assert client.get(f"/dashboard/statements/{company.pk}/2025/").status_code == 403


def test_showcase_names_only_who_allows_it(client, company):
    shy = OrganisationFactory(legal_name="Riservata S.p.A.")
    collaboration(
        match=MatchFactory(offer=OfferFactory(organisation=shy), stage=Stage.COMPLETED),
        started=at(2025, 1, 1),
        completed=at(2025, 2, 1),
    )
    html = client.get("/showcase/").content.decode()
    assert "Tecnologie Solidali" in html
    assert "Riservata" not in html
    assert "preferisce non essere nominata" in html


def test_annual_report_pdf_reads_back(client, company):
    login(client, UserFactory(role=roles.CABINET))
    response = client.get("/dashboard/annual-report.pdf?year=2025")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Rapporto annuale 2025" in text
    assert "Tecnologie Solidali" in text
    assert "Persone formate" in text
