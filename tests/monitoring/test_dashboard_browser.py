"""The dashboard in a real browser: charts drawn under the strict CSP, filters applied,
tables and map present, in Italian and English."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from contactpoint import roles
from matching.models import Stage
from tests.factories import (
    InterventionAreaFactory,
    MatchFactory,
    MunicipioFactory,
    NeedFactory,
    NeighbourhoodFactory,
    UserFactory,
    with_totp,
)
from tests.monitoring.support import collaboration


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "it-IT"}


def sign_in(page, live_server, user):
    """A session made by the test client, handed to the browser as its cookie."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": urlparse(live_server.url).hostname,
                "path": "/",
            }
        ]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_cabinet_filters_the_dashboard_and_sees_charts_tables_and_map(live_server, page):
    food = InterventionAreaFactory(slug="poverta-alimentare", name="Povertà alimentare")
    digital = InterventionAreaFactory(slug="poverta-digitale", name="Povertà digitale")
    quarto = MunicipioFactory(number=4, name="Municipio 4")
    nil = NeighbourhoodFactory(municipio=quarto, name="Corvetto", lat="45.44000", lon="9.22000")
    # The other NIL lie in Municipio 1, whatever the factories' sequences say.
    primo = MunicipioFactory(number=1, name="Municipio 1")
    NeighbourhoodFactory(municipio=primo, lat="45.50000", lon="9.15000")
    match = MatchFactory(
        need=NeedFactory(area=food, neighbourhood=nil, status="covered", quantity_open=0),
        stage=Stage.IN_DELIVERY,
        contacted_at=timezone.now(),
    )
    collaboration(match=match, started=timezone.now(), beneficiaries=40)
    elsewhere = NeighbourhoodFactory(municipio=primo, lat="45.47000", lon="9.19000")
    MatchFactory(need=NeedFactory(area=digital, neighbourhood=elsewhere), stage=Stage.PROPOSED)
    cabinet = with_totp(UserFactory(role=roles.CABINET))
    sign_in(page, live_server, cabinet)

    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("h1").inner_text().startswith("Cruscotto di monitoraggio")
    page.wait_for_selector("canvas[data-chart='chart-funnel'][data-drawn='true']")
    assert page.locator("canvas[data-drawn='true']").count() == 3
    offers = page.locator("#table-funnel tbody tr").first.locator("td")
    assert offers.inner_text() == "2"
    assert page.locator("#coverage-map circle").count() == 3  # every NIL, needs or not
    assert page.locator("#coverage-map circle.cp-cov-high").count() == 1

    page.select_option("#id_area", label="Povertà alimentare")
    page.select_option("#id_municipio", label="Municipio 4")
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_url("**/dashboard/?*area=*")
    page.wait_for_selector("canvas[data-chart='chart-areas'][data-drawn='true']")
    assert page.locator("#table-funnel tbody tr").first.locator("td").inner_text() == "1"
    assert page.locator("#table-areas tbody th").all_inner_texts() == ["Povertà alimentare"]
    beneficiaries = page.locator("[data-kpi='impact_beneficiaries'] .cp-kpi-value")
    assert beneficiaries.inner_text().startswith("40")
    assert page.locator("#coverage-map circle.cp-dim").count() == 2  # outside Municipio 4
    assert "export.pdf?" in page.get_attribute("text=Esporta PDF", "href")

    # The same page in English, through the header's language switch cookie.
    page.context.add_cookies(
        [
            {
                "name": settings.LANGUAGE_COOKIE_NAME,
                "value": "en",
                "domain": urlparse(live_server.url).hostname,
                "path": "/",
            }
        ]
    )
    page.reload()
    assert page.locator("h1").inner_text().startswith("Monitoring dashboard")
    assert page.locator("[data-kpi='people_trained'] h3").inner_text() == "People trained"
    assert page.console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_stakeholder_gets_the_access_denied_page(live_server, page):
    sign_in(page, live_server, UserFactory(role=roles.STAKEHOLDER))
    response = page.goto(f"{live_server.url}/dashboard/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Accesso negato"
