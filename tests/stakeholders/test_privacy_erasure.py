"""Erasure that really anonymises a person while every figure stays true."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.utils import timezone

from contactpoint import roles
from contactpoint.models import AuditEntry
from matching.models import Match
from monitoring import kpis
from monitoring.models import Collaboration, ImpactOutput, SurveyAnswer, SurveyInvitation
from stakeholders import privacy
from stakeholders.models import (
    Consent,
    ContactPerson,
    ErasureRequest,
    Interaction,
    Offer,
    PersonErasure,
)
from tests.factories import ContactPersonFactory, UserFactory

from .privacy_support import EMAIL, PERSON_STRINGS, person_world_fixture, where_found  # noqa: F401

pytestmark = pytest.mark.django_db


def figures():
    year = timezone.localdate().year
    return {
        "kpis": kpis.values_for(kpis.Filters(year=year)),
        "previous": kpis.values_for(kpis.Filters(year=year - 1)),
        "rows": {
            model.__name__: model.objects.count()
            for model in (
                Offer,
                Match,
                Collaboration,
                ImpactOutput,
                SurveyInvitation,
                SurveyAnswer,
                Interaction,
                ContactPerson,
            )
        },
    }


def test_the_person_is_gone_from_every_text_column_and_the_kpis_are_unchanged(person_world):
    for needle in PERSON_STRINGS:
        assert where_found(needle), f"the data set should hold {needle!r} before the erasure"
    before = figures()
    lead = UserFactory(role=roles.TEAM_LEAD, totp=True)

    record = privacy.anonymise_person(
        person=privacy.person_for_user(person_world["user"]),
        reason=PersonErasure.Reason.REQUEST,
        actor=lead,
        erasure_request=person_world["erasure"],
    )

    assert figures() == before
    for needle in PERSON_STRINGS:
        assert where_found(needle) == [], needle
    contact = ContactPerson.objects.get(pk=person_world["contact"].pk)
    assert str(contact) == f"Persona cancellata #{record.pk}"
    assert (contact.phone, contact.role, contact.erased_at is not None) == ("", "", True)
    assert contact.email == f"cancellato-{record.pk}-1@anonimo.invalid"
    # The offer, still counted, carries the same placeholder address.
    assert Offer.objects.get(pk=person_world["offer"].pk).submitted_email == contact.email
    assert not Consent.objects.filter(contact=contact, withdrawn_at__isnull=True).exists()
    assert Consent.objects.filter(contact=person_world["colleague"], withdrawn_at=None).count() == 1
    assert Interaction.objects.get(pk=person_world["interaction"].pk).notes == ""
    user = type(person_world["user"]).objects.get(pk=person_world["user"].pk)
    assert not user.is_active and not user.has_usable_password()
    assert user.username == f"cancellato-{record.pk}"
    assert not EmailAddress.objects.filter(user=user).exists()
    erasure = ErasureRequest.objects.get(pk=person_world["erasure"].pk)
    assert (erasure.status, erasure.handled_by) == (ErasureRequest.Status.DONE, lead)
    entry = AuditEntry.objects.get(action="stakeholders.person.anonymised")
    assert (entry.actor, entry.object_id) == (lead, str(record.pk))
    assert EMAIL not in str(entry.payload)


def test_an_anonymised_account_can_no_longer_sign_in(client, person_world):
    assert client.login(username=EMAIL, password="correct-horse-battery")
    client.logout()
    privacy.anonymise_person(
        person=privacy.person_for_user(person_world["user"]),
        reason=PersonErasure.Reason.REQUEST,
        actor=None,
    )
    assert not client.login(username=EMAIL, password="correct-horse-battery")


def test_staff_accounts_are_refused_and_nothing_is_written():
    manager = UserFactory(role=roles.ACCOUNT_MANAGER, totp=True)
    with pytest.raises(ValidationError):
        privacy.anonymise_person(
            person=privacy.person_for_user(manager), reason=PersonErasure.Reason.STAFF, actor=None
        )
    assert not PersonErasure.objects.exists()
    assert type(manager).objects.get(pk=manager.pk).is_active


def test_a_contact_sharing_a_staff_accounts_address_is_refused():
    manager = UserFactory(role=roles.ACCOUNT_MANAGER, totp=True)
    contact = ContactPersonFactory(email=manager.email.upper())
    with pytest.raises(ValidationError):
        privacy.anonymise_person(
            person=privacy.person_for_contact(contact),
            reason=PersonErasure.Reason.STAFF,
            actor=None,
        )
    assert type(manager).objects.get(pk=manager.pk).email == manager.email


def test_the_admin_action_asks_for_confirmation_then_anonymises(client, person_world):
    lead = UserFactory(role=roles.TEAM_LEAD, totp=True)
    client.force_login(lead)
    url = "/admin/stakeholders/erasurerequest/"
    data = {"action": "anonymise", "_selected_action": [person_world["erasure"].pk]}

    page = client.post(url, data)
    assert page.status_code == 200
    assert "Ottavia Quaglieri" in page.content.decode() or EMAIL in page.content.decode()
    assert not PersonErasure.objects.exists()

    done = client.post(url, {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert PersonErasure.objects.count() == 1
    assert where_found(EMAIL) == []


def test_account_managers_cannot_anonymise(client, person_world):
    client.force_login(UserFactory(role=roles.ACCOUNT_MANAGER, totp=True))
    response = client.post(
        "/admin/stakeholders/contactperson/",
        {"action": "anonymise", "_selected_action": [person_world["contact"].pk], "confirm": "yes"},
    )
    assert response.status_code in (200, 302)
    assert not PersonErasure.objects.exists()
    assert ContactPerson.objects.get(pk=person_world["contact"].pk).erased_at is None
