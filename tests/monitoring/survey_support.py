"""A scheduled survey campaign with questions, and the people it will invite."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from contactpoint import roles
from monitoring.models import Audience, SurveyCampaign, SurveyQuestion
from stakeholders.models import Consent
from tests.factories import ContactPersonFactory, UserFactory

LINK_RE = re.compile(r"/survey/([0-9a-f]{64})/")


def scheduled_campaign(**fields) -> SurveyCampaign:
    today = timezone.localdate()
    campaign = SurveyCampaign.objects.create(
        year=fields.pop("year", today.year),
        title=fields.pop("title", "Indagine annuale"),
        opens_on=today,
        closes_on=today + timedelta(days=40),
        status=SurveyCampaign.Status.SCHEDULED,
        **fields,
    )
    SurveyQuestion.objects.create(
        campaign=campaign,
        kind=SurveyQuestion.Kind.SCALE,
        text="Come valuta il coinvolgimento?",
        required=True,
        order=1,
    )
    SurveyQuestion.objects.create(
        campaign=campaign,
        text="Quali temi dovremmo affrontare?",
        proposes_topics=True,
        order=2,
    )
    SurveyQuestion.objects.create(
        campaign=campaign,
        audience=Audience.STAKEHOLDERS,
        kind=SurveyQuestion.Kind.CHOICE,
        choices=["Denaro", "Beni", "Tempo"],
        text="Quali risorse potete offrire?",
        order=3,
    )
    return campaign


def people() -> dict[str, str]:
    """Two staff, two consenting contacts (one also staff, invited once), one who withdrew."""
    UserFactory(role=roles.ACCOUNT_MANAGER, email="manager@comune.example")
    UserFactory(role=roles.CABINET, email="gabinetto@comune.example")
    UserFactory(role=roles.STAKEHOLDER, email="not-staff@impresa.example")
    for email, withdrawn in (
        ("anna@impresa.example", None),
        ("MANAGER@comune.example", None),
        ("ritirato@impresa.example", timezone.now()),
    ):
        contact = ContactPersonFactory(email=email)
        Consent.objects.create(
            contact=contact,
            purpose=Consent.Purpose.SURVEY,
            text_version="1",
            withdrawn_at=withdrawn,
        )
    return {
        "staff": ["manager@comune.example", "gabinetto@comune.example"],
        "stakeholders": ["anna@impresa.example"],
    }
