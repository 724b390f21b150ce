"""Helpers shared by the offer intake tests: valid form/API data, staff with a second factor."""

from __future__ import annotations

import re
from typing import Any

import pytest

from needs.models import InterventionArea, Neighbourhood
from stakeholders import offers
from stakeholders.forms import OfferForm
from stakeholders.models import ContactPerson, Offer, Organisation
from tests.factories import (
    InterventionAreaFactory,
    NeighbourhoodFactory,
    valid_vat_number,
)


def form_data(places: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """A complete, valid POST for /offers/new/."""
    data: dict[str, Any] = {
        "legal_name": "Rossi Costruzioni S.r.l.",
        "kind": "company",
        "tax_code": "",
        "vat_number": valid_vat_number(7001),
        "website": "https://www.rossi-costruzioni.it",
        "first_name": "Maria",
        "last_name": "Rossi",
        "role": "CSR manager",
        "email": "maria.rossi@rossi-costruzioni.it",
        "phone": "+39 02 1234 5678",
        "language": "it",
        "resource_kind": "goods",
        "title": "30 computer portatili",
        "description": "Portatili ricondizionati, con garanzia di un anno.",
        "quantity": "30",
        "unit": "portatili",
        "available_from": "2027-01-10",
        "available_until": "2027-03-31",
        "allow_logo_use": "on",
        "consent_contact": "on",
        "consent_survey": "on",
        "idempotency_key": "form-key-0123456789abcdef",
        "homepage": "",
    }
    if places:
        data["areas"] = [str(places["area"].pk)]
        data["neighbourhoods"] = [str(places["nil"].pk)]
        data["municipi"] = [str(places["municipio"].pk)]
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def api_payload(places: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """A complete, valid JSON body for POST /api/v1/offers/."""
    data: dict[str, Any] = {
        "legal_name": "Fondazione Bianchi",
        "kind": "foundation",
        "tax_code": valid_vat_number(7002),
        "first_name": "Luca",
        "last_name": "Bianchi",
        "email": "luca@fondazione-bianchi.it",
        "language": "en",
        "resource_kind": "funding",
        "title": "Borse di studio STEM",
        "description": "Dieci borse di studio per studentesse.",
        "quantity": 10,
        "unit": "borse",
        "consent_contact": True,
    }
    if places:
        data["areas"] = [places["area"].slug]
        data["neighbourhoods"] = [places["nil"].nil_id]
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def counts() -> tuple[int, int, int]:
    return Offer.objects.count(), Organisation.objects.count(), ContactPerson.objects.count()


def many_areas(n: int) -> list[InterventionArea]:
    return [InterventionAreaFactory(slug=f"bulk-area-{i}") for i in range(n)]


def many_neighbourhoods(n: int) -> list[Neighbourhood]:
    return [NeighbourhoodFactory(nil_id=6000 + i) for i in range(n)]


TRACKING_LINK_RE = re.compile(r"https?://[^\s\"<>]+/offers/track/([A-Za-z0-9_\-]+)/")


def cleaned(places, **overrides) -> dict[str, Any]:
    """The offer form's cleaned data for ``form_data(places)``, with ``overrides``."""
    form = OfferForm(form_data(places))
    assert form.is_valid(), form.errors
    return {**form.cleaned_data, **overrides}


def submit_an_offer_that_fails(places) -> None:
    """Submits an offer naming an area that was never saved: the service raises half-way,
    after it created the organisation."""
    unsaved_area = type(places["area"])(slug="never-saved", name="Mai salvata")
    with pytest.raises(ValueError):
        offers.submit_offer(
            data=cleaned(places, areas=[unsaved_area]),
            idempotency_key="failing-key-0123456789",
            actor=None,
            client_ip="10.0.0.2",
        )
