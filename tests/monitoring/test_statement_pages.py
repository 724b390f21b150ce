"""Statements reachable: the staff list per organisation and year, the stakeholder's own."""

from __future__ import annotations

import pytest

from contactpoint import roles
from matching.models import Stage
from tests.factories import MatchFactory, OfferFactory, OrganisationFactory, UserFactory
from tests.matching.workflow_support import login, make_manager, make_stakeholder
from tests.monitoring.support import at, collaboration

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    organisation = OrganisationFactory(legal_name="Tecnologie Solidali S.r.l.")
    for started, completed in ((at(2024, 3, 1), at(2024, 6, 1)), (at(2025, 3, 1), None)):
        match = MatchFactory(
            offer=OfferFactory(organisation=organisation),
            stage=Stage.COMPLETED if completed else Stage.IN_DELIVERY,
        )
        collaboration(match=match, started=started, completed=completed, devices=5)
    return organisation


def test_staff_list_links_each_year_to_its_statement_and_the_dashboard_links_the_list(
    client, company
):
    login(client, make_manager())
    dashboard = client.get("/dashboard/").content.decode()
    assert 'href="/dashboard/statements/"' in dashboard
    assert "/dashboard/annual-report.pdf" in dashboard

    page = client.get("/dashboard/statements/").content.decode()
    assert "Tecnologie Solidali S.r.l." in page
    assert f'href="/dashboard/statements/{company.pk}/2024/"' in page
    assert f'href="/dashboard/statements/{company.pk}/2025/"' in page
    assert f"/dashboard/statements/{company.pk}/2023/" not in page
    assert client.get(f"/dashboard/statements/{company.pk}/2025/").status_code == 200


@pytest.mark.parametrize("role", [roles.CABINET, roles.STAKEHOLDER])
def test_the_staff_list_refuses_other_roles(client, company, role):
    login(client, UserFactory(role=role))
    assert client.get("/dashboard/statements/").status_code == 403


def test_the_cabinet_dashboard_has_no_statements_link(client, company):
    login(client, UserFactory(role=roles.CABINET))
    assert 'href="/dashboard/statements/"' not in client.get("/dashboard/").content.decode()


def test_stakeholder_reads_only_their_own_organisations_statements(client, company):
    member = make_stakeholder(company)
    other = OrganisationFactory(legal_name="Altra Impresa S.p.A.")
    collaboration(
        match=MatchFactory(offer=OfferFactory(organisation=other), stage=Stage.IN_DELIVERY),
        started=at(2025, 2, 1),
    )
    login(client, member)

    assert "/my/statements/" in client.get("/my/").content.decode()
    page = client.get("/my/statements/").content.decode()
    assert f'href="/my/statements/{company.pk}/2025/"' in page
    assert "Altra Impresa" not in page

    statement = client.get(f"/my/statements/{company.pk}/2025/")
    assert statement.status_code == 200
    body = statement.content.decode()
    assert f"/my/statements/{company.pk}/2025/statement.pdf" in body
    assert "/dashboard/statements/" not in body
    annex = client.get(f"/my/statements/{company.pk}/2025/statement.json")
    assert annex.status_code == 200 and annex["Content-Type"] == "application/json"

    assert client.get(f"/my/statements/{other.pk}/2025/").status_code == 404
    assert client.get(f"/my/statements/{other.pk}/2025/statement.csv").status_code == 404
    assert client.get(f"/dashboard/statements/{company.pk}/2025/").status_code == 403


def test_visitors_are_sent_to_sign_in(client, company):
    response = client.get("/my/statements/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
