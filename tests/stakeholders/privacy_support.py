"""A person with data in every corner of the portal, for the privacy tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from contactpoint import roles
from contactpoint.audit import log_action
from matching.models import MatchEvent, Stage
from monitoring.models import (
    Audience,
    SurveyAnswer,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
    TrainingAttendance,
    TrainingSession,
)
from stakeholders import my_area, registry
from stakeholders.models import Consent, OrganisationMembership
from tests.factories import (
    ContactPersonFactory,
    DepartmentFactory,
    MatchFactory,
    OfferFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.monitoring.support import collaboration

NAME = "Ottavia Quaglieri"
EMAIL = "ottavia.quaglieri@quercia-srl.it"
PHONE = "+39 02 9876 5432"
# What must be gone after the erasure, in any form.
PERSON_STRINGS = (NAME, "Quaglieri Ottavia", "Ottavia", "Quaglieri", EMAIL, "9876 5432", "98765432")


@pytest.fixture(name="person_world")
def person_world_fixture() -> dict[str, Any]:
    """Ottavia acts for Quercia S.r.l.: account, contact row with consents, an offer with a
    match that became a collaboration with impact, notes, an e-mail logged, survey answers,
    a training attendance, audit entries and an erasure request. Bruno, her colleague, is
    the other contact of the organisation and keeps his consent."""
    now = timezone.now()
    organisation = OrganisationFactory(legal_name="Quercia S.r.l.")
    user = UserFactory(email=EMAIL, role=roles.STAKEHOLDER, verified=True)
    user.first_name, user.last_name = "Ottavia", "Quaglieri"
    user.save()
    OrganisationMembership.objects.create(user=user, organisation=organisation)
    contact = ContactPersonFactory(
        organisation=organisation,
        first_name="Ottavia",
        last_name="Quaglieri",
        email=EMAIL,
        phone=PHONE,
        role="Responsabile CSR",
    )
    colleague = ContactPersonFactory(
        organisation=organisation, first_name="Bruno", last_name="Verdi", email="bruno@quercia.it"
    )
    registry.give_consent(contact=contact, purpose=Consent.Purpose.CONTACT, actor=user)
    registry.give_consent(contact=contact, purpose=Consent.Purpose.SURVEY, actor=user)
    registry.give_consent(contact=colleague, purpose=Consent.Purpose.CONTACT)
    offer = OfferFactory(
        organisation=organisation,
        contact=contact,
        submitted_email=EMAIL,
        title="Dieci portatili",
        description=f"Portatili ricondizionati. Referente {NAME}, telefono {PHONE}.",
    )
    match = MatchFactory(offer=offer, stage=Stage.IN_DELIVERY, contacted_at=now)
    MatchEvent.objects.create(
        match=match, kind="note", note=f"Chiamata con {NAME} al 0298765432: ok."
    )
    collaboration(match=match, started=now, beneficiaries=25, devices=10)
    interaction = registry.record_interaction(
        organisation=organisation,
        kind="email",
        subject=f"E-mail di {NAME}",
        contact=contact,
        notes=f"Scrive da {EMAIL}; richiamare al {PHONE}.",
    )
    campaign = SurveyCampaign.objects.create(
        year=now.year,
        title="Indagine",
        opens_on=now.date(),
        closes_on=now.date().replace(year=now.year + 1),
        status=SurveyCampaign.Status.OPEN,
    )
    question = SurveyQuestion.objects.create(campaign=campaign, text="Commenti?")
    invitation = SurveyInvitation.objects.create(
        campaign=campaign,
        audience=Audience.STAKEHOLDERS,
        email=EMAIL,
        name=NAME,
        sent_at=now,
        responded_at=now,
    )
    SurveyAnswer.objects.create(
        invitation=invitation,
        question=question,
        value=f"Sono {NAME} (in elenco: Quaglieri Ottavia).",
    )
    session = TrainingSession.objects.create(title="CSR", date=now.date())
    TrainingAttendance.objects.create(
        session=session, name=NAME, email=EMAIL, department=DepartmentFactory()
    )
    with transaction.atomic():
        log_action(
            actor=None, action="stakeholders.contact.noted", obj=contact, payload={"email": EMAIL}
        )
    erasure, _created = my_area.request_erasure(user=user, reason=f"Cancellate {NAME}, grazie.")
    return {
        "organisation": organisation,
        "user": user,
        "contact": contact,
        "colleague": colleague,
        "offer": offer,
        "match": match,
        "interaction": interaction,
        "invitation": invitation,
        "erasure": erasure,
        "campaign": campaign,
    }


def text_columns() -> list[tuple[str, str]]:
    """Every text, varchar and JSON column of every table in the database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND data_type IN ('text', 'character varying', 'json', 'jsonb') "
            "AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')"
        )
        return list(cursor.fetchall())


def where_found(needle: str) -> list[str]:
    """``table.column`` of every column holding ``needle`` (case-insensitive)."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in text_columns():
            cursor.execute(
                f"SELECT count(*) FROM {quote(table)} WHERE {quote(column)}::text ILIKE %s",
                [f"%{needle}%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def staff(role: str = roles.TEAM_LEAD):
    return UserFactory(role=role, totp=True)
