"""One offer, whatever the browser does: Back and submit, a reload, two tabs, or the same
content from the same e-mail address within the window."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from contactpoint.models import OutboxMessage
from stakeholders.models import Offer

from .offer_support import api_payload, form_data

URL = "/offers/new/"


@pytest.mark.django_db
def test_the_same_content_from_another_browser_gives_the_existing_offer_without_its_link():
    first, second = Client(), Client()
    first.post(URL, form_data())
    offer = Offer.objects.get()

    response = second.post(URL, form_data())

    assert response.status_code == 302
    assert Offer.objects.count() == 1
    assert OutboxMessage.objects.count() == 2  # one confirmation, one matching run
    # The private link goes only to the browser that sent the offer (and to the e-mail).
    assert (
        f"/offers/track/{offer.tracking_token}/"
        not in second.get("/offers/thanks/").content.decode()
    )
    assert f"/offers/track/{offer.tracking_token}/" in first.get("/offers/thanks/").content.decode()


@pytest.mark.django_db
def test_a_different_offer_from_the_same_browser_is_a_second_offer(client):
    client.post(URL, form_data())
    client.post(URL, form_data(title="Dieci stampanti", description="Stampanti laser."))

    assert Offer.objects.count() == 2


@pytest.mark.django_db
def test_the_same_content_after_the_window_is_a_new_offer(settings):
    settings.OFFER_DUPLICATE_WINDOW = 0
    Client().post(URL, form_data())
    Client().post(URL, form_data())

    assert Offer.objects.count() == 2


@pytest.mark.django_db
def test_the_api_with_a_new_key_but_the_same_content_returns_the_existing_offer():
    api = APIClient()
    first = api.post("/api/v1/offers/", api_payload(), format="json")
    second = api.post(
        "/api/v1/offers/",
        api_payload(),
        format="json",
        headers={"Idempotency-Key": "another-key-0123456789"},
    )

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["tracking_url"] and second.json()["tracking_url"] == ""
    assert Offer.objects.count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_and_submit_again_in_the_browser_gives_one_offer(live_server, page):
    page.goto(f"{live_server.url}{URL}")
    data = form_data()
    for name in (
        "legal_name",
        "vat_number",
        "first_name",
        "last_name",
        "email",
        "title",
        "description",
        "quantity",
        "unit",
    ):
        page.fill(f"#id_{name}", data[name])
    page.select_option("#id_kind", data["kind"])
    page.select_option("#id_resource_kind", data["resource_kind"])
    page.click("label[for=id_consent_contact]")
    page.click("#offer-submit")
    page.wait_for_url(f"{live_server.url}/offers/thanks/")
    offer = Offer.objects.get()
    assert f"/offers/track/{offer.tracking_token}/" in page.content()

    page.go_back()
    page.wait_for_url(f"{live_server.url}{URL}")
    # Whatever the browser restored, the visitor sees the form filled in and sends it again.
    for name in ("legal_name", "vat_number", "first_name", "last_name", "email", "title"):
        if page.locator(f"#id_{name}").input_value() != data[name]:
            page.fill(f"#id_{name}", data[name])
    page.fill("#id_description", data["description"])
    page.fill("#id_quantity", data["quantity"])
    page.fill("#id_unit", data["unit"])
    page.select_option("#id_kind", data["kind"])
    page.select_option("#id_resource_kind", data["resource_kind"])
    if not page.locator("#id_consent_contact").is_checked():
        page.click("label[for=id_consent_contact]")
    page.click("#offer-submit")
    page.wait_for_url(f"{live_server.url}/offers/thanks/")

    assert Offer.objects.count() == 1
    assert f"/offers/track/{offer.tracking_token}/" in page.content()
    assert page.console_errors == []

    page.reload()  # a GET of the thanks page: nothing is sent again
    assert Offer.objects.count() == 1
