"""A new visitor, in Italian, offers help for a published need from the public form."""

from __future__ import annotations

import pytest

from stakeholders.models import Offer
from tests.factories import (
    NeighbourhoodFactory,
)
from tests.fixtures.browser import fill_offer_form, sottocorno_laptops


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Chromium sends Accept-Language: en-US by default; an Italian visitor's browser sends it-IT.
    return {**browser_context_args, "locale": "it-IT"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_new_visitor_offers_help_for_a_published_need_in_italian(live_server, page):
    rogoredo = NeighbourhoodFactory(nil_id=5020, official_name="ROGOREDO", name="Rogoredo")
    need = sottocorno_laptops(neighbourhood=rogoredo)

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

    fill_offer_form(
        page,
        vat_seed=5151,
        website="tecnologie-solidali.it",
        role="Responsabile CSR",
        phone="02 8765 4321",
        title="20 portatili ricondizionati",
        description="Portatili con Windows 11, garanzia di un anno, consegna a scuola.",
        available_from="2027-01-15",
        available_until="2027-02-28",
    )
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
