"""Demo data of monitoring, for ``make run``: the plan's pilot actions as collaborations with
their impact records (last year's and this year's, so the trend shows), training sessions
and one survey campaign with a few responses.

Runs after the matching demo (it needs the organisations, needs, offers and managers).
Idempotent: every row is found by a natural key and updated in place; dates are relative
to today.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from matching.models import Match, MatchEvent, Stage
from needs.models import Department, Need, ResourceKind
from stakeholders.models import ContactPerson, Offer, Organisation

from . import services
from .models import (
    Audience,
    Collaboration,
    EngagementMethod,
    ImpactDimension,
    ImpactOutcome,
    OutputKind,
    SurveyAnswer,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
    TrainingAttendance,
    TrainingSession,
    VerificationLevel,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoCollaboration:
    key: str
    legal_name: str
    need_title: str
    offer_title: str
    resource_kind: str
    quantity: int
    unit: str
    area: str
    years_ago: int  # 1: last year, 0: this year
    completed: bool
    method: str
    departments: tuple[str, ...]
    outputs: dict[str, tuple[int, int | None]]
    outcomes: tuple[tuple[str, str, str, str, str], ...] = ()
    evaluation: str = ""
    verification: str = VerificationLevel.CITY
    cash_eur: int = 0
    co_designed_with: str = ""
    why: str = ""


PILOTS = (
    DemoCollaboration(
        key="demo-collab-pc-cariplo",
        legal_name="Fondazione Cariplo",
        need_title="40 PC per alunni che studiano da casa",
        offer_title="40 PC rigenerati per la didattica",
        resource_kind=ResourceKind.GOODS,
        quantity=40,
        unit="PC",
        area="poverta-digitale",
        years_ago=1,
        completed=True,
        method=EngagementMethod.DONATION,
        departments=("educazione", "politiche-sociali"),
        outputs={
            OutputKind.DEVICES: (40, 40),
            OutputKind.BENEFICIARIES: (40, 38),
            OutputKind.VALUE_IN_KIND: (12000, 11400),
        },
        outcomes=(
            (
                ImpactDimension.EDUCATIONAL,
                "Alunni che seguono la didattica a distanza",
                "40 alunni",
                "38 alunni con un PC proprio",
                "4.4",
            ),
            (
                ImpactDimension.SOCIAL,
                "Famiglie raggiunte dall'inclusione digitale",
                "35 famiglie",
                "33 famiglie",
                "10.2",
            ),
        ),
        evaluation=(
            "38 dei 40 PC sono in uso un anno dopo; due sono stati sostituiti in garanzia. "
            "Le scuole segnalano meno assenze nella didattica a distanza."
        ),
        verification=VerificationLevel.BENEFICIARY,
        why="Il divario digitale tra gli alunni è emerso come priorità del piano.",
    ),
    DemoCollaboration(
        key="demo-collab-mural-sottocorno",
        legal_name="Un muro in movimento",
        need_title="Murale di due giorni alla Scuola Sottocorno",
        offer_title="Murale partecipato di due giorni con gli alunni",
        resource_kind=ResourceKind.VOLUNTEERING,
        quantity=1,
        unit="murale",
        area="scuole-svantaggiate",
        years_ago=1,
        completed=True,
        method=EngagementMethod.CO_DESIGN,
        departments=("educazione", "piano-quartieri"),
        outputs={
            OutputKind.PUPILS: (120, 134),
            OutputKind.VOLUNTEER_HOURS: (64, 72),
        },
        outcomes=(
            (
                ImpactDimension.SOCIAL,
                "Cura condivisa della scuola a Rogoredo",
                "Un muro ridipinto con il quartiere",
                "Murale completato in due giorni con alunni e famiglie",
                "11.7",
            ),
        ),
        evaluation=(
            "Il murale è stato progettato con gli alunni e completato nei due giorni previsti; "
            "la scuola chiede di ripetere l'esperienza."
        ),
        co_designed_with="Scuola Sottocorno, Municipio 4",
        why="Rogoredo è tra i quartieri del piano per la rigenerazione delle scuole.",
    ),
    DemoCollaboration(
        key="demo-collab-stem-bracco",
        legal_name="Fondazione Bracco",
        need_title="Il cielo itinerante: laboratori STEM in sei scuole",
        offer_title="Il cielo itinerante: laboratori STEM",
        resource_kind=ResourceKind.EXPERTISE,
        quantity=2,
        unit="scuole",
        area="stem",
        years_ago=0,
        completed=True,
        method=EngagementMethod.SPONSORSHIP,
        departments=("educazione",),
        outputs={
            OutputKind.PUPILS: (100, 104),
            OutputKind.VOLUNTEER_HOURS: (40, 46),
        },
        outcomes=(
            (
                ImpactDimension.EDUCATIONAL,
                "Interesse delle alunne e degli alunni per le materie STEM",
                "100 alunni in 2 scuole",
                "104 alunni in 2 scuole; il 70% chiede un secondo laboratorio",
                "4.5",
            ),
        ),
        evaluation=(
            "104 alunni in due scuole hanno seguito i laboratori; questionario prima e dopo "
            "sull'interesse per le materie scientifiche."
        ),
        cash_eur=8000,
        why="Le materie STEM sono un'area del piano per le scuole svantaggiate.",
    ),
    DemoCollaboration(
        key="demo-collab-stem-bracco-more",
        legal_name="Fondazione Cariplo",
        need_title="Il cielo itinerante: laboratori STEM in sei scuole",
        offer_title="Laboratori STEM in altre quattro scuole",
        resource_kind=ResourceKind.FUNDING,
        quantity=4,
        unit="scuole",
        area="stem",
        years_ago=0,
        completed=False,
        method=EngagementMethod.SPONSORSHIP,
        departments=("educazione",),
        outputs={OutputKind.PUPILS: (200, None)},
        cash_eur=15000,
    ),
)


def load() -> int:
    """Collaborations, training and the survey; returns the collaborations in place."""
    count = load_collaborations()
    load_training()
    load_survey()
    return count


def _offer(demo: DemoCollaboration, organisation: Organisation, need: Need) -> Offer | None:
    offer = Offer.objects.filter(organisation=organisation, title=demo.offer_title).first()
    if offer is not None:
        return offer
    from stakeholders import offers

    contact = ContactPerson.objects.filter(organisation=organisation).order_by("pk").first()
    if contact is None:
        logger.warning("demo collaboration %s: the organisation has no contact", demo.key)
        return None
    today = timezone.localdate()
    data = {
        "legal_name": organisation.legal_name,
        "kind": organisation.kind,
        "tax_code": organisation.tax_code,
        "vat_number": organisation.vat_number,
        "website": "",
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "role": contact.role,
        "email": contact.email,
        "phone": "",
        "language": "it",
        "resource_kind": demo.resource_kind,
        "title": demo.offer_title,
        "description": demo.offer_title,
        "quantity": demo.quantity,
        "unit": demo.unit,
        "areas": [need.area] if need.area_id else [],
        "municipi": [],
        "neighbourhoods": [],
        "available_from": today,
        "available_until": today + datetime.timedelta(days=120),
        "allow_logo_use": True,
        "allow_press": organisation.allow_press,
        "allow_social": False,
        "need": need,
        "consent_contact": True,
        "consent_survey": True,
    }
    offer, _new = offers.submit_offer(
        data=data, idempotency_key=demo.key, actor=None, client_ip="", source="demo"
    )
    return offer


def load_collaborations() -> int:
    manager = get_user_model().objects.filter(email__iexact="manager@example.org").first()
    departments = {d.slug: d for d in Department.objects.all()}
    today = timezone.localdate()
    count = 0
    for demo in PILOTS:
        organisation = Organisation.objects.active().filter(legal_name=demo.legal_name).first()
        need = Need.objects.filter(title=demo.need_title).first()
        if organisation is None or need is None:
            logger.warning("demo collaboration %s: load the stakeholder demos first", demo.key)
            continue
        offer = _offer(demo, organisation, need)
        if offer is None:
            continue
        with transaction.atomic():
            _collaboration(demo, offer, need, manager, departments, today)
        count += 1
    return count


def _collaboration(
    demo: DemoCollaboration,
    offer: Offer,
    need: Need,
    manager: Any,
    departments: dict[str, Department],
    today: datetime.date,
) -> Collaboration:
    year = today.year - demo.years_ago
    # Last year's in spring, this year's a few weeks ago (never in the future).
    if demo.years_ago:
        started = datetime.datetime(year, 3, 10, 10, tzinfo=timezone.get_current_timezone())
    else:
        started = timezone.now() - datetime.timedelta(days=min(60, today.timetuple().tm_yday - 1))
    completed = started + datetime.timedelta(days=30) if demo.completed else None
    if completed is not None and completed > timezone.now():
        completed = timezone.now()
    stage = Stage.COMPLETED if demo.completed else Stage.IN_DELIVERY
    match, _created = Match.objects.get_or_create(
        offer=offer,
        need=need,
        defaults={
            "quantity": demo.quantity,
            "manager": manager,
            "stage": Stage.PROPOSED,
            "routing_reason": {"rule": "relationship_owner"},
        },
    )
    if match.stage != stage:
        path = [Stage.ASSIGNED, Stage.CONTACTED, Stage.AGREED, Stage.IN_DELIVERY]
        if demo.completed:
            path.append(Stage.COMPLETED)
        when = started - datetime.timedelta(days=20)
        previous = match.stage
        for step in path:
            when += datetime.timedelta(days=5)
            MatchEvent.objects.create(
                match=match,
                kind="stage",
                from_stage=previous,
                to_stage=step,
                created_at=(
                    (completed or started) if step == Stage.COMPLETED else min(when, started)
                ),
            )
            previous = step
        Match.objects.filter(pk=match.pk).update(
            stage=stage,
            manager=match.manager or manager,
            quantity=demo.quantity,
            created_at=started - datetime.timedelta(days=20),
            assigned_at=started - datetime.timedelta(days=15),
            contacted_at=started - datetime.timedelta(days=10),
            stage_changed_at=completed or started,
        )
        match.refresh_from_db()
    collaboration = services.open_collaboration(match=match, actor=None)
    services.record_outputs(
        collaboration=collaboration,
        values={
            kind: (Decimal(expected), None if actual is None else Decimal(actual))
            for kind, (expected, actual) in demo.outputs.items()
        },
        actor=None,
    )
    for dimension, description, expected, actual, sdg in demo.outcomes:
        ImpactOutcome.objects.update_or_create(
            collaboration=collaboration,
            description=description,
            defaults={
                "dimension": dimension,
                "expected": expected,
                "actual": actual,
                "sdg_target": sdg,
            },
        )
    if demo.evaluation and not collaboration.is_evaluated:
        collaboration = services.record_evaluation(
            collaboration=collaboration,
            evaluation=demo.evaluation,
            method_and_limits="Dati forniti dall'organizzazione e verificati dal Comune.",
            actor=None,
        )
    collaboration.departments.set(
        [departments[slug] for slug in demo.departments if slug in departments]
    )
    Collaboration.objects.filter(pk=collaboration.pk).update(
        started_at=started,
        completed_at=completed,
        evaluated_at=completed if demo.evaluation else None,
        engagement_method=demo.method,
        verification_level=demo.verification,
        cash_eur=Decimal(demo.cash_eur),
        co_designed_with=demo.co_designed_with,
        why_this_area=demo.why,
    )
    return collaboration


TRAININGS = (
    (
        1,
        "Lavorare con le imprese: il vademecum della collaborazione",
        ("educazione", "politiche-sociali", "piano-quartieri"),
    ),
    (0, "Misurare l'impatto delle collaborazioni", ("educazione", "citta-resilienti")),
    (0, "Dal bisogno all'offerta: il catalogo e gli abbinamenti", ("gabinetto-del-sindaco",)),
)


@transaction.atomic
def load_training() -> int:
    today = timezone.localdate()
    departments = {d.slug: d for d in Department.objects.all()}
    count = 0
    for years_ago, title, slugs in TRAININGS:
        if years_ago:
            day = datetime.date(today.year - 1, 10, 15)
        else:
            day = today - datetime.timedelta(days=min(30, today.timetuple().tm_yday - 1))
        session = TrainingSession.objects.filter(title=title).first()
        if session is None:
            session = TrainingSession.objects.create(
                title=title, date=day, hours=Decimal(3), trainer="Ufficio Contact Point"
            )
        else:
            TrainingSession.objects.filter(pk=session.pk).update(date=day)
        for slug in slugs:
            department = departments.get(slug)
            if department is None:
                continue
            for n in (1, 2):
                TrainingAttendance.objects.get_or_create(
                    session=session,
                    email=f"formazione.{slug}.{n}@example.org",
                    defaults={"name": f"Referente {n} {department}", "department": department},
                )
                count += 1
    return count


SURVEY_TOPICS = (
    "Inclusione digitale degli anziani",
    "Spazi per il doposcuola",
    "inclusione digitale degli anziani ",
    "Verde nei cortili delle scuole",
)


@transaction.atomic
def load_survey() -> SurveyCampaign:
    """This year's campaign, closed, with a few responses to its topic question."""
    today = timezone.localdate()
    opens = today - datetime.timedelta(days=min(40, today.timetuple().tm_yday - 1))
    campaign, _created = SurveyCampaign.objects.get_or_create(
        year=today.year,
        defaults={
            "title": f"Indagine annuale {today.year} sulle collaborazioni",
            "opens_on": opens,
            "closes_on": opens + datetime.timedelta(days=21),
            "status": SurveyCampaign.Status.CLOSED,
            "opened_at": timezone.now(),
            "closed_at": timezone.now(),
        },
    )
    topics, _created = SurveyQuestion.objects.get_or_create(
        campaign=campaign,
        audience=Audience.STAKEHOLDERS,
        text="Quali bisogni o temi il Comune dovrebbe mettere al primo posto?",
        defaults={"proposes_topics": True, "order": 1},
    )
    contacts = list(
        ContactPerson.objects.filter(organisation__merged_into__isnull=True).order_by("pk")[:10]
    )
    for n, contact in enumerate(contacts):
        invitation, _created = SurveyInvitation.objects.get_or_create(
            campaign=campaign,
            email=contact.email.lower(),
            defaults={
                "audience": Audience.STAKEHOLDERS,
                "name": f"{contact.first_name} {contact.last_name}".strip(),
                "sent_at": timezone.now(),
            },
        )
        if n < len(SURVEY_TOPICS) and invitation.responded_at is None:
            SurveyAnswer.objects.get_or_create(
                invitation=invitation, question=topics, defaults={"value": SURVEY_TOPICS[n]}
            )
            SurveyInvitation.objects.filter(pk=invitation.pk).update(
                responded_at=timezone.now(), token_hash=""
            )
    return campaign
