"""A new visitor, in Italian, offers help for a published need from the public form."""

from __future__ import annotations

import pytest

from stakeholders.models import Offer
from tests.factories import (
    InterventionAreaFactory,
    NeedFactory,
    NeighbourhoodFactory,
    valid_vat_number,
)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Chromium sends Accept-Language: en-US by default; an Italian visitor's browser sends it-IT.
    return {**browser_context_args, "locale": "it-IT"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_new_visitor_offers_help_for_a_published_need_in_italian(live_server, page):
    area = InterventionAreaFactory(slug="poverta-digitale", name="Povertà digitale")
    rogoredo = NeighbourhoodFactory(nil_id=5020, official_name="ROGOREDO", name="Rogoredo")
    need = NeedFactory(
        title="Computer portatili per la Scuola Sottocorno",
        area=area,
        neighbourhood=rogoredo,
        unit="portatili",
        quantity=30,
        quantity_open=30,
    )

    page.goto(f"{live_server.url}/offers/new/?need={need.pk}")

    assert page.locator("html").get_attribute("lang") == "it"
    assert (
        page.locator("#chosen-need").inner_text() == "Computer portatili per la Scuola Sottocorno"
    )
    # The need preselects what fits it.
    assert page.locator("#id_resource_kind").input_value() == need.resource_kind
    assert page.locator("#id_unit").input_value() == "portatili"
    assert page.locator("#id_areas input:checked").count() == 1
    # The honeypot is not visible to a person.
    assert not page.locator("#id_homepage").is_visible()

    page.fill("#id_legal_name", "Tecnologie Solidali S.r.l.")
    page.select_option("#id_kind", "company")
    page.fill("#id_vat_number", valid_vat_number(5151))
    page.fill("#id_website", "tecnologie-solidali.it")
    page.fill("#id_first_name", "Giovanna")
    page.fill("#id_last_name", "Brambilla")
    page.fill("#id_role", "Responsabile CSR")
    page.fill("#id_email", "giovanna@tecnologie-solidali.it")
    page.fill("#id_phone", "02 8765 4321")
    page.fill("#id_title", "20 portatili ricondizionati")
    page.fill(
        "#id_description", "Portatili con Windows 11, garanzia di un anno, consegna a scuola."
    )
    page.fill("#id_quantity", "20")
    page.fill("#id_available_from", "2027-01-15")
    page.fill("#id_available_until", "2027-02-28")
    page.click("label[for=id_allow_logo_use]")
    page.click("label[for=id_consent_contact]")
    page.click("#offer-submit")

    page.wait_for_url(f"{live_server.url}/offers/thanks/")
    assert page.locator("#offer-received").is_visible()
    assert "20 portatili ricondizionati" in page.content()
    offer = Offer.objects.select_related("organisation", "need").get()
    assert offer.need == need
    assert offer.quantity == 20
    assert offer.organisation.legal_name == "Tecnologie Solidali S.r.l."
    assert offer.organisation.website == "https://tecnologie-solidali.it"
    assert offer.language == "it"
    assert offer.allow_logo_use is True
    assert list(offer.neighbourhoods.all()) == [rogoredo]

    page.click(f"a[href='/offers/track/{offer.tracking_token}/']")
    page.wait_for_url(f"{live_server.url}/offers/track/{offer.tracking_token}/")
    assert "Computer portatili per la Scuola Sottocorno" in page.content()
    assert page.console_errors == []
