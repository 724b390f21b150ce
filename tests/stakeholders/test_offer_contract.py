"""The public form and the API give the same field errors for the same bad input."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from stakeholders.models import Offer

from .offer_support import api_payload, form_data

pytestmark = pytest.mark.django_db

# One bad value per case, sent to both doors: (field, value).
BAD_INPUT = [
    ("legal_name", ""),
    ("legal_name", "   "),
    ("legal_name", "x" * 201),
    ("kind", "spaceship"),
    ("tax_code", "12345"),
    ("vat_number", "IT123"),
    ("website", "not a web address"),
    ("first_name", ""),
    ("email", "not-an-email"),
    ("phone", "call me maybe"),
    ("language", "xx"),
    ("resource_kind", "magic"),
    ("title", ""),
    ("title", "x" * 201),
    ("description", ""),
    ("quantity", 0),
    ("quantity", 10_000_001),
    ("quantity", "many"),
    ("unit", ""),
    ("available_from", "31/31/2027"),
    ("consent_contact", False),
]


def form_errors(client, data, language):
    response = client.post("/offers/new/", data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return {field: list(messages) for field, messages in response.context["form"].errors.items()}


def api_errors(data, language):
    response = APIClient().post(
        "/api/v1/offers/", data, format="json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400, response.json()
    return response.json()


def both(field, value):
    form = form_data(**{field: "" if value is False else value})
    if value is False:
        form.pop(field)  # an unticked box is not sent
    payload = api_payload(**{field: value})
    if field != "tax_code":
        payload.pop("tax_code", None)  # the same organisation on both sides
    payload["vat_number"] = form["vat_number"] if field != "vat_number" else value
    for name in ("legal_name", "kind", "email", "title", "description", "unit", "resource_kind"):
        if name != field:
            payload[name] = form[name]
    return form, payload


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize(("field", "value"), BAD_INPUT)
def test_the_form_and_the_api_name_the_same_field_with_the_same_message(
    client, field, value, language
):
    form, payload = both(field, value)

    from_form = form_errors(client, form, language)
    from_api = api_errors(payload, language)

    assert field in from_form, from_form
    assert from_api.get(field) == from_form[field]
    assert Offer.objects.count() == 0
