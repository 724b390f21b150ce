"""The weekly reminder about collaborations missing impact data: once per manager and week."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.utils import timezone

from monitoring import services
from monitoring.models import ImpactOutput, OutputKind
from tests.factories import MatchFactory
from tests.matching.workflow_support import make_manager
from tests.monitoring.support import collaboration

pytestmark = pytest.mark.django_db


def test_managers_are_reminded_once_a_week_of_records_without_data():
    laura, paolo = make_manager(email="laura@comune.example"), make_manager()
    collaboration(match=MatchFactory(manager=laura), started=timezone.now())
    done = collaboration(
        match=MatchFactory(manager=paolo), started=timezone.now(), evaluated=timezone.now()
    )
    ImpactOutput.objects.create(collaboration=done, kind=OutputKind.DEVICES, actual=10)
    collaboration(
        match=MatchFactory(manager=laura),
        started=timezone.now(),
        completed=timezone.now(),
        evaluated=timezone.now(),
    )

    assert services.send_missing_impact_reminders(today=date(2026, 3, 2)) == 1
    assert mail.outbox[0].to == ["laura@comune.example"]
    assert "1 " in mail.outbox[0].body
    assert services.send_missing_impact_reminders(today=date(2026, 3, 4)) == 0  # same week
    assert services.send_missing_impact_reminders(today=date(2026, 3, 9)) == 1  # next week


def test_relationship_owners_hear_weekly_of_consents_to_renew():
    from datetime import timedelta

    from stakeholders.consent import CONSENT_TEXT_VERSION
    from stakeholders.models import Consent
    from tests.factories import ContactPersonFactory, OrganisationFactory

    owner = make_manager(email="owner@comune.example")
    organisation = OrganisationFactory(relationship_owner=owner)
    old_text = ContactPersonFactory(organisation=organisation)
    Consent.objects.create(contact=old_text, purpose="contact", text_version="2020-01")
    too_old = ContactPersonFactory(organisation=organisation)
    Consent.objects.create(
        contact=too_old,
        purpose="contact",
        text_version=CONSENT_TEXT_VERSION,
        given_at=timezone.now() - timedelta(days=800),
    )
    current = ContactPersonFactory(organisation=organisation)
    Consent.objects.create(contact=current, purpose="contact", text_version=CONSENT_TEXT_VERSION)
    renewed = ContactPersonFactory(organisation=organisation)
    Consent.objects.create(contact=renewed, purpose="contact", text_version="2020-01")
    Consent.objects.create(contact=renewed, purpose="contact", text_version=CONSENT_TEXT_VERSION)
    withdrawn = ContactPersonFactory(organisation=organisation)
    Consent.objects.create(
        contact=withdrawn, purpose="contact", text_version="2020-01", withdrawn_at=timezone.now()
    )

    assert set(services.contacts_to_renew()) == {old_text, too_old}
    assert services.send_consent_renewal_reminders(today=date(2026, 3, 2)) == 1
    assert mail.outbox[0].to == ["owner@comune.example"]
    assert mail.outbox[0].body.startswith("2 ")
    assert services.send_consent_renewal_reminders(today=date(2026, 3, 3)) == 0
