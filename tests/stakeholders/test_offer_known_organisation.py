"""An offer carrying the code of a registered organisation under another name: linked to
it, flagged for staff with both names, and the submitter sees only what they typed."""

from __future__ import annotations

import pytest
from django.core import mail

from contactpoint import roles
from contactpoint.models import AuditEntry
from stakeholders import emails
from stakeholders.models import ContactPerson, DuplicateFlag, Offer, Organisation
from tests.factories import ContactPersonFactory, OrganisationFactory, UserFactory, valid_vat_number

from .offer_support import form_data

pytestmark = pytest.mark.django_db

REGISTERED = "Fondazione Cariplo"
TYPED = "Cariplo Factory S.r.l."


@pytest.fixture
def registered():
    organisation = OrganisationFactory(
        legal_name=REGISTERED,
        kind=Organisation.Kind.FOUNDATION,
        vat_number=valid_vat_number(4242),
        email_domain="fondazionecariplo.it",
    )
    ContactPersonFactory(organisation=organisation, email="mario@fondazionecariplo.it")
    return organisation


def test_a_known_vat_number_under_another_name_links_flags_and_keeps_the_typed_name(
    client, registered
):
    client.post(
        "/offers/new/",
        form_data(
            legal_name=TYPED, vat_number=registered.vat_number, email="anna@cariplofactory.it"
        ),
    )

    offer = Offer.objects.get()
    assert offer.organisation == registered
    assert offer.submitted_organisation_name == TYPED
    registered.refresh_from_db()
    assert registered.legal_name == REGISTERED  # the registry keeps its name
    flags = {flag.reason: flag for flag in DuplicateFlag.objects.filter(offer=offer)}
    assert set(flags) == {"other_name", "contact_mail_domain"}
    assert flags["other_name"].organisation == flags["other_name"].candidate == registered
    assert flags["other_name"].submitted_name == TYPED
    assert flags["other_name"].resolved_at is None
    entry = AuditEntry.objects.filter(action="stakeholders.organisation.duplicate_flagged").first()
    assert entry.payload["registered_name"] == REGISTERED
    assert entry.payload["submitted_name"] == TYPED
    # The new contact is recorded (its consent needs it) but never made the main one.
    contact = ContactPerson.objects.get(email="anna@cariplofactory.it")
    assert not contact.is_primary

    thanks = client.get("/offers/thanks/").content.decode()
    assert "Cariplo Factory S.r.l." in thanks
    assert REGISTERED not in thanks

    emails.send_offer_confirmation(offer=offer)
    [message] = mail.outbox
    assert TYPED in message.body
    assert REGISTERED not in message.body
    assert REGISTERED not in message.alternatives[0][0]


def test_staff_see_both_names_in_the_possible_duplicates(client, registered):
    client.post(
        "/offers/new/",
        form_data(
            legal_name=TYPED, vat_number=registered.vat_number, email="anna@fondazionecariplo.it"
        ),
    )
    manager = UserFactory(role=roles.ACCOUNT_MANAGER, totp=True)
    client.force_login(manager)

    page = client.get("/admin/stakeholders/duplicateflag/").content.decode()

    assert REGISTERED in page
    assert TYPED in page
    assert DuplicateFlag.objects.get().reason == "other_name"  # same mail domain: no second flag


def test_the_same_name_written_differently_raises_no_flag(client, registered):
    client.post(
        "/offers/new/",
        form_data(
            legal_name="FONDAZIONE CARIPLO Onlus",
            kind="foundation",
            vat_number=registered.vat_number,
            email="lucia@fondazionecariplo.it",
        ),
    )

    assert Offer.objects.get().organisation == registered
    assert not DuplicateFlag.objects.exists()
