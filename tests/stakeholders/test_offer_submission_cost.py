"""What one accepted offer costs the database: a pinned number of queries, whatever the door
(API or form), all in one transaction with its audit entries, outbox messages and rate-limit
counts, none of which outlives a failure."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from contactpoint.models import AuditEntry, OutboxMessage, RateLimitCounter
from stakeholders import offers
from stakeholders.models import Consent, Offer, Organisation
from tests.factories import valid_vat_number
from tests.fixtures.threads import all_at_once

from .offer_support import api_payload, form_data, submit_an_offer_that_fails

pytestmark = pytest.mark.django_db

# A new organisation, its main contact, two consents, the offer and its places. In the test
# transaction, ``atomic`` is a savepoint (two statements), and content types are looked up
# once per request (settings.ENVIRONMENT == "test"; cached in production): four of them.
#   rate-limit counts, savepoint, submitter lock, earlier offer (key or same content),
#   codes lookup, organisation, look-alike names, content type,
#   contact, consent texts in force, content type, consents (one INSERT), content type,
#   offer, areas,
#   neighbourhoods, content type, outbox (one INSERT), audit (one INSERT),
#   rate-limit upsert, release
API_QUERIES = 2 + 21  # + intervention areas and NIL ids resolved by the serializer
# The form also names a Municipio (one lookup, one INSERT), shows the consent texts in force
# (one query) and starts the session (exists check, then savepoint + INSERT + release).
FORM_QUERIES = 3 + 22 + 1 + 4


def _api_post(api, body, key):
    return api.post("/api/v1/offers/", body, format="json", headers={"Idempotency-Key": key})


def test_an_api_offer_costs_a_pinned_number_of_queries(places, django_assert_num_queries):
    api = APIClient()
    warm = api_payload(
        places, legal_name="Altra Fondazione", tax_code=valid_vat_number(7101), email="a@altra.it"
    )
    assert _api_post(api, warm, "warm-key-0123456789abcd").status_code == 201
    earlier_entries = list(AuditEntry.objects.values_list("pk", flat=True))

    with django_assert_num_queries(API_QUERIES):
        response = _api_post(api, api_payload(places), "api-key-0123456789abcdef")

    assert response.status_code == 201, response.json()
    offer = Offer.objects.get(pk=response.json()["id"])
    assert offer.organisation.contacts.get().is_primary
    assert set(offer.areas.all()) == {places["area"]}
    assert set(offer.neighbourhoods.all()) == {places["nil"]}
    assert sorted(
        AuditEntry.objects.exclude(pk__in=earlier_entries).values_list("action", flat=True)
    ) == [
        "stakeholders.consent.given",  # contact
        "stakeholders.contact.created",
        "stakeholders.offer.submitted",
        "stakeholders.organisation.created",
    ]
    assert sorted(
        OutboxMessage.objects.filter(args=[offer.pk]).values_list("task_name", flat=True)
    ) == sorted([offers.MATCH_OFFER_TASK, offers.CONFIRMATION_TASK])
    # Counted once per IP and once per e-mail, for each of the two offers.
    assert sorted(RateLimitCounter.objects.values_list("count", flat=True)) == [1, 1, 2]

    # The same key again: the first offer, nothing written, nothing counted.
    # serializer's two, counts, savepoint, lock, earlier offer, release
    with django_assert_num_queries(7):
        again = _api_post(api, api_payload(places), "api-key-0123456789abcdef")
    assert again.status_code == 200
    assert again.json()["id"] == offer.pk


def test_a_form_offer_costs_a_pinned_number_of_queries(
    client: Client, places, django_assert_num_queries
):
    client.get("/offers/new/")

    with django_assert_num_queries(FORM_QUERIES):
        response = client.post("/offers/new/", form_data(places))

    assert response.status_code == 302
    assert Offer.objects.get().municipi.get() == places["municipio"]


def test_a_failed_offer_is_not_counted_against_the_limits(places):
    submit_an_offer_that_fails(places)

    assert not RateLimitCounter.objects.exists()
    assert not Consent.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_offers_for_one_new_organisation_all_land_on_it():
    """No savepoint around the new organisation: the requests that lose the race on its
    code roll back and try again, linking to it; none is refused or lost."""
    statuses: list[int] = []

    def submit(n: int) -> None:
        body = api_payload(email=f"persona{n}@fondazione-bianchi.it", title=f"Offerta {n}")
        statuses.append(_api_post(APIClient(), body, f"race-key-0123456789-{n}").status_code)

    assert all_at_once(submit, 4) == []
    assert sorted(statuses) == [201] * 4
    organisation = Organisation.objects.get()
    assert Offer.objects.filter(organisation=organisation).count() == 4
    assert organisation.contacts.count() == 4
    assert organisation.contacts.filter(is_primary=True).count() == 1
    assert OutboxMessage.objects.count() == 8
