"""Creating an account later attaches the offers sent with the same, verified, e-mail."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from contactpoint import roles
from contactpoint.models import AuditEntry
from stakeholders import offer_accounts
from stakeholders.models import Offer, OrganisationMembership
from tests.factories import OfferFactory, OrganisationFactory, UserFactory, valid_vat_number

from .offer_support import form_data

pytestmark = pytest.mark.django_db

EMAIL = "maria.rossi@rossi-costruzioni.it"


def sign_up_and_confirm(client, email: str):
    """The real allauth flow: sign up, read the confirmation mail, confirm."""
    response = client.post(
        "/accounts/signup/",
        {"email": email, "password1": "a-long-Passphrase-42", "password2": "a-long-Passphrase-42"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    body = mail.outbox[-1].body
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", body)
    assert link, body
    return link.group(1)


def test_verifying_the_address_makes_the_user_a_stakeholder_of_the_offers_organisation(client):
    client.post("/offers/new/", form_data())
    offer = Offer.objects.get()
    confirm_url = sign_up_and_confirm(client, EMAIL)
    user = EmailAddress.objects.get(email=EMAIL).user
    assert not OrganisationMembership.objects.filter(user=user).exists()  # not verified yet

    response = client.post(confirm_url)

    assert response.status_code == 302
    assert OrganisationMembership.objects.filter(
        user=user, organisation=offer.organisation
    ).exists()
    assert user.groups.filter(name=roles.STAKEHOLDER).exists()
    assert AuditEntry.objects.filter(action="stakeholders.membership.attached").count() == 1
    area = client.get("/my/")
    assert area.status_code == 200
    assert offer.title in area.content.decode()


def test_an_unverified_address_attaches_nothing():
    OfferFactory(submitted_email="nobody@impresa.example", created_organisation=True)
    user = UserFactory(email="nobody@impresa.example")
    EmailAddress.objects.create(user=user, email="nobody@impresa.example", verified=False)

    assert offer_accounts.attach_offers_to_user(user=user, email="nobody@impresa.example") == []
    assert not OrganisationMembership.objects.filter(user=user).exists()
    assert not user.groups.filter(name=roles.STAKEHOLDER).exists()


def test_an_organisation_known_before_is_not_opened_by_a_stranger_verifying_their_own_address(
    client,
):
    """Typing a known company's VAT number on the form must not hand over its data."""
    known = OrganisationFactory(
        legal_name="Grande Banca S.p.A.",
        vat_number=valid_vat_number(4242),
        email_domain="grandebanca.it",
    )
    client.post(
        "/offers/new/", form_data(vat_number=valid_vat_number(4242), email="intruder@gmail.com")
    )
    offer = Offer.objects.get()
    assert offer.organisation == known and not offer.created_organisation
    user = UserFactory(email="intruder@gmail.com", verified=True)

    assert offer_accounts.attach_offers_to_user(user=user, email="intruder@gmail.com") == []

    assert not OrganisationMembership.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="stakeholders.membership.claim_pending").exists()
    client.force_login(user)
    area = client.get("/my/").content.decode()
    assert "Offers waiting for confirmation" in area
    assert offer.title in area


def test_an_address_at_the_organisations_own_domain_is_enough_proof(client):
    known = OrganisationFactory(
        vat_number=valid_vat_number(4343),
        email_domain="rossi-costruzioni.it",
        email_domain_verified=True,
    )
    client.post("/offers/new/", form_data(vat_number=valid_vat_number(4343)))
    user = UserFactory(email=EMAIL, verified=True)

    joined = offer_accounts.attach_offers_to_user(user=user, email=EMAIL.upper())

    assert joined == [known]
    assert user.groups.filter(name=roles.STAKEHOLDER).exists()
    # Idempotent: verifying again changes nothing.
    assert offer_accounts.attach_offers_to_user(user=user, email=EMAIL) == []
    assert OrganisationMembership.objects.filter(user=user).count() == 1


def test_an_address_at_an_unverified_domain_is_not_proof(client):
    OrganisationFactory(vat_number=valid_vat_number(4344), email_domain="rossi-costruzioni.it")
    client.post("/offers/new/", form_data(vat_number=valid_vat_number(4344)))
    user = UserFactory(email=EMAIL, verified=True)

    assert offer_accounts.attach_offers_to_user(user=user, email=EMAIL) == []


def test_a_signed_in_user_offering_with_a_verified_address_is_attached_at_once(client):
    user = UserFactory(email=EMAIL, verified=True)
    client.force_login(user)

    client.post("/offers/new/", form_data())

    offer = Offer.objects.get()
    assert OrganisationMembership.objects.filter(
        user=user, organisation=offer.organisation
    ).exists()
    assert user.groups.filter(name=roles.STAKEHOLDER).exists()
