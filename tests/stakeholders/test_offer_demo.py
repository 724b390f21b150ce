"""The demo offers go through the real intake, link to the pilot needs and load once."""

from __future__ import annotations

import pytest

from contactpoint.demo import load_users
from contactpoint.models import OutboxMessage
from needs.demo import load_needs, load_reference
from stakeholders import demo, demo_offers
from stakeholders.models import DuplicateFlag, Offer, Organisation

pytestmark = pytest.mark.django_db


def test_demo_offers_are_submitted_once_for_known_organisations_and_needs(settings, client):
    load_users()
    load_reference()
    demo.load()
    load_needs()
    organisations = Organisation.objects.count()

    first = demo_offers.load()
    second = demo_offers.load()

    assert [o.pk for o in first] == [o.pk for o in second]
    assert Offer.objects.count() == len(demo_offers.DEMO_OFFERS)
    # Known companies are found by their VAT number; only the new cooperative is added.
    assert Organisation.objects.count() == organisations + 1
    assert not DuplicateFlag.objects.filter(organisation__legal_name__startswith="Esempio").exists()
    laptops = Offer.objects.get(idempotency_key="demo-offer-esempio-tech-laptops")
    assert laptops.need.title == "40 PC per alunni che studiano da casa"
    assert laptops.organisation.legal_name == "Esempio Tech S.r.l."
    assert OutboxMessage.objects.filter(task_name="matching.match_offer").count() == len(first)
    # The demo stakeholder sees the offer in their area.
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(email="stakeholder@example.org"))
    assert "20 portatili rigenerati con webcam" in client.get("/my/").content.decode()
