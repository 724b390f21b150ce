"""The annual survey: opening, invitations in batches, weekly reminders, responses, summary.

Every job may run twice (beat retried, a worker redelivered) and never sends twice:
a campaign is opened by a conditional UPDATE (``scheduled`` -> ``open``), an invitation is
sent by the worker that locks its row (``SKIP LOCKED``) and marks it sent in the same
transaction, a reminder is claimed by a conditional UPDATE on its last-reminder time.
The private link is an HMAC of the invitation's id and a random nonce under the secret key:
it can be repeated in a reminder, cannot be guessed, and only its SHA-256 is stored.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Lower, Trim
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contactpoint import mail, outbox, roles
from contactpoint.audit import log_action
from contactpoint.context_processors import absolute_url
from stakeholders.models import Consent, ContactPerson

from .models import (
    Audience,
    SurveyAnswer,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
    hash_token,
)

BATCH_SIZE = 200


class SurveyLinkInvalid(Exception):
    """Unknown, already used, or the campaign is not open."""


def invitation_token(invitation: SurveyInvitation) -> str:
    return salted_hmac(
        "monitoring.survey", f"{invitation.pk}:{invitation.nonce}", algorithm="sha256"
    ).hexdigest()


def survey_link(token: str) -> str:
    return absolute_url(f"/survey/{token}/")


# --- Opening and invitations -------------------------------------------------------------


def open_due_campaigns(*, today: date | None = None) -> list[int]:
    """Open every scheduled campaign whose date has come, invite everyone, queue the batches;
    close open campaigns past their closing date. Returns the ids opened now."""
    today = today or timezone.localdate()
    now = timezone.now()
    opened = []
    due = SurveyCampaign.objects.filter(
        status=SurveyCampaign.Status.SCHEDULED, opens_on__lte=today, closes_on__gt=today
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            claimed = SurveyCampaign.objects.filter(
                pk=pk, status=SurveyCampaign.Status.SCHEDULED
            ).update(status=SurveyCampaign.Status.OPEN, opened_at=now)
            if not claimed:
                continue  # another run opened it
            campaign = SurveyCampaign.objects.get(pk=pk)
            invited = invite_everyone(campaign=campaign)
            for batch in range(math.ceil(invited / BATCH_SIZE)):
                outbox.enqueue(
                    "monitoring.send_survey_invitations",
                    campaign.pk,
                    dedup_key=f"survey-invitations:{campaign.pk}:{batch}",
                )
            log_action(
                actor=None,
                action="monitoring.survey.opened",
                obj=campaign,
                payload={"invited": invited},
            )
        opened.append(pk)
    SurveyCampaign.objects.filter(status=SurveyCampaign.Status.OPEN, closes_on__lte=today).update(
        status=SurveyCampaign.Status.CLOSED, closed_at=now
    )
    return opened


def invite_everyone(*, campaign: SurveyCampaign) -> int:
    """Invite active city staff and the contacts who agreed to receive the survey, each
    e-mail once per campaign. Returns the invitations created."""
    rows: dict[str, SurveyInvitation] = {}
    staff = (
        get_user_model()
        .objects.filter(is_active=True, email__gt="", groups__name__in=roles.STAFF_ROLES)
        .distinct()
        .values_list("email", "first_name", "last_name")
    )

    def invite(audience: str, email: str, first: str, last: str, language: str = "it") -> None:
        # One invitation per address: staff first, then consenting contacts.
        rows.setdefault(
            email.lower(),
            SurveyInvitation(
                campaign=campaign,
                audience=audience,
                email=email.lower(),
                name=f"{first} {last}".strip(),
                language=language,
            ),
        )

    for email, first, last in staff:
        invite(Audience.STAFF, email, first, last)
    consenting = ContactPerson.objects.filter(
        organisation__merged_into__isnull=True,
        consents__purpose=Consent.Purpose.SURVEY,
        consents__withdrawn_at__isnull=True,
    ).values_list("email", "first_name", "last_name", "language")
    for email, first, last, language in consenting:
        invite(Audience.STAKEHOLDERS, email, first, last, language or "it")
    before = SurveyInvitation.objects.filter(campaign=campaign).count()
    SurveyInvitation.objects.bulk_create(list(rows.values()), ignore_conflicts=True)
    return SurveyInvitation.objects.filter(campaign=campaign).count() - before


def _send(*, invitation: SurveyInvitation, campaign: SurveyCampaign, reminder: bool) -> None:
    link = survey_link(invitation_token(invitation))
    with translation.override(invitation.language or "it"):
        if reminder:
            subject = gettext("Reminder: %(title)s") % {"title": campaign.title}
        else:
            subject = str(campaign.title)
        body = gettext(
            "Hello %(name)s,\n\nthe city asks you a few minutes for its annual survey on "
            "collaborations with companies and the third sector: how engagement is going, "
            "which needs and topics to prioritise, which resources you can offer.\n\n"
            "Your private link (it works once, do not forward it):\n%(link)s\n\n"
            "The survey closes on %(closes)s."
        ) % {
            "name": invitation.name or invitation.email,
            "link": link,
            "closes": campaign.closes_on,
        }
    mail.send_text(
        to=[invitation.email], subject=subject, body=body, language=invitation.language or "it"
    )


def send_invitation_batch(*, campaign_id: int, limit: int = BATCH_SIZE) -> int:
    """Send up to ``limit`` unsent invitations of an open campaign; returns how many.

    One row at a time: locked (others skip it), e-mailed, marked sent, committed.
    """
    campaign = SurveyCampaign.objects.filter(
        pk=campaign_id, status=SurveyCampaign.Status.OPEN
    ).first()
    if campaign is None:
        return 0
    sent = 0
    while sent < limit:
        with transaction.atomic():
            invitation = (
                SurveyInvitation.objects.select_for_update(skip_locked=True)
                .filter(campaign=campaign, sent_at__isnull=True)
                .order_by("pk")
                .first()
            )
            if invitation is None:
                break
            invitation.token_hash = hash_token(invitation_token(invitation))
            _send(invitation=invitation, campaign=campaign, reminder=False)
            invitation.sent_at = timezone.now()
            invitation.save(update_fields=["token_hash", "sent_at"])
        sent += 1
    return sent


def _reminder_due(cutoff: datetime) -> Q:
    return Q(last_reminder_at__isnull=True, sent_at__lte=cutoff) | Q(last_reminder_at__lte=cutoff)


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind those who have not answered, every ``reminder_every_days``, until closing.

    Each reminder is claimed by a conditional UPDATE before its e-mail, inside one
    transaction: a second run finds nothing due; a failed e-mail releases the claim.
    """
    now = now or timezone.now()
    sent = 0
    for campaign in SurveyCampaign.objects.filter(
        status=SurveyCampaign.Status.OPEN, closes_on__gt=timezone.localdate(now)
    ):
        cutoff = now - timedelta(days=campaign.reminder_every_days)
        due = SurveyInvitation.objects.filter(
            _reminder_due(cutoff), campaign=campaign, responded_at__isnull=True
        )
        for invitation in due.order_by("pk").iterator():
            with transaction.atomic():
                claimed = (
                    SurveyInvitation.objects.filter(_reminder_due(cutoff), pk=invitation.pk)
                    .filter(responded_at__isnull=True)
                    .update(last_reminder_at=now, reminders_sent=F("reminders_sent") + 1)
                )
                if not claimed:
                    continue
                _send(invitation=invitation, campaign=campaign, reminder=True)
            sent += 1
    return sent


# --- Responses -----------------------------------------------------------------------------


def invitation_for_token(token: str) -> SurveyInvitation:
    """The open, unanswered invitation of a link, or ``SurveyLinkInvalid``."""
    invitation = (
        SurveyInvitation.objects.select_related("campaign")
        .filter(
            token_hash=hash_token(token or ""),
            responded_at__isnull=True,
            campaign__status=SurveyCampaign.Status.OPEN,
        )
        .exclude(token_hash="")
        .first()
    )
    if invitation is None:
        raise SurveyLinkInvalid
    return invitation


def questions_for(invitation: SurveyInvitation) -> list[SurveyQuestion]:
    return list(
        invitation.campaign.questions.filter(Q(audience="") | Q(audience=invitation.audience))
    )


def clean_answers(questions: list[SurveyQuestion], raw: dict[str, str]) -> dict[int, str]:
    """Check the answers against their questions; field-level errors as ``ValidationError``."""
    errors: dict[str, Any] = {}
    answers = {}
    for question in questions:
        field = f"q{question.pk}"
        value = (raw.get(field) or "").strip()
        if not value:
            if question.required:
                errors[field] = _("Answer this question.")
            continue
        if len(value) > 3000:
            errors[field] = _("Keep the answer under 3000 characters.")
        elif question.kind == SurveyQuestion.Kind.CHOICE and value not in question.choices:
            errors[field] = _("Choose one of the options.")
        elif question.kind == SurveyQuestion.Kind.SCALE and value not in {"1", "2", "3", "4", "5"}:
            errors[field] = _("Choose a value from 1 to 5.")
        answers[question.pk] = value
    if errors:
        raise ValidationError(errors)
    return answers


def submit_response(*, token: str, raw: dict[str, str]) -> SurveyInvitation:
    """Store the answers given through a private link; the link then stops working."""
    invitation = invitation_for_token(token)
    answers = clean_answers(questions_for(invitation), raw)
    with transaction.atomic():
        claimed = SurveyInvitation.objects.filter(
            pk=invitation.pk, responded_at__isnull=True
        ).update(responded_at=timezone.now(), token_hash="")
        if not claimed:
            raise SurveyLinkInvalid
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(invitation=invitation, question_id=pk, value=value)
            for pk, value in answers.items()
        )
    return invitation


# --- Summary --------------------------------------------------------------------------------


def candidate_topics(*, year: int, limit: int = 20) -> list[dict[str, Any]]:
    """Topics named in answers to topic questions of the year's survey, grouped (case and
    spaces ignored), most named first: what the focus group considers as candidate needs."""
    rows = (
        SurveyAnswer.objects.filter(question__campaign__year=year, question__proposes_topics=True)
        .annotate(topic=Lower(Trim("value")))
        .values("topic")
        .annotate(n=Count("pk"))
        .order_by("-n", "topic")[:limit]
    )
    return [{"topic": row["topic"], "count": row["n"]} for row in rows]


def propose_topic_as_need(
    *,
    topic: str,
    year: int,
    department: Any,
    area: Any,
    resource_kind: str,
    actor: Any,
) -> Any:
    """Turn a topic named in the year's survey into a draft need of ``department`` for the
    focus group to discuss; the need's rules and permissions are those of ``needs.services``.
    Raises ``ValidationError`` for a topic the survey did not name."""
    from needs import services as needs_services

    topic = " ".join((topic or "").split())
    named = {row["topic"]: row["count"] for row in candidate_topics(year=year, limit=1000)}
    if topic.lower() not in named:
        raise ValidationError({"topic": _("This topic was not named in the year's survey.")})
    count = named[topic.lower()]
    with transaction.atomic():
        need = needs_services.create_need(
            actor=actor,
            department=department,
            area=area,
            title=(topic[:1].upper() + topic[1:])[:200],
            description=gettext(
                "Topic proposed in the %(year)s annual survey (named %(count)s times), "
                "to be discussed with the focus group as a candidate need."
            )
            % {"year": year, "count": count},
            resource_kind=resource_kind,
            quantity=1,
            unit=gettext("to be defined"),
            beneficiaries=gettext("To be defined by the department"),
        )
        log_action(
            actor=actor,
            action="monitoring.survey.topic_proposed",
            obj=need,
            payload={"topic": topic, "year": year, "count": count},
        )
    return need
