"""Telling account managers and team leads what needs them, without flooding them.

- Urgent things (a match assigned to you, a match nobody could take, a late first contact)
  are e-mailed at once: ``notify`` records a ``Notification`` and queues
  ``matching.send_notification`` through the outbox after the commit.
- Everything else (someone else moved your match, a match went to a colleague) waits for
  the daily digest (``send_daily_digests``), which also lists new and late matches.
- ``send_sla_reminders`` nudges the manager of every late first contact once, and tells
  the team leads when it is still late after ``MATCH_SLA_ESCALATION_WORKING_DAYS``.

Every job is idempotent through ``Notification.dedup_key``: running it twice sends nothing
twice. Deliveries claim their row with ``SELECT ... FOR UPDATE SKIP LOCKED`` and mark it
sent in the same transaction as the send.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Any

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone

from contactpoint import mail, outbox, roles

from . import emails, sla
from .models import Match, MatchEvent, Notification, Stage
from .permissions import eligible_managers

logger = logging.getLogger(__name__)


class Kind(StrEnum):
    ASSIGNED = "assigned"
    UNASSIGNED_ALERT = "unassigned_alert"
    SLA_REMINDER = "sla_reminder"
    SLA_ESCALATION = "sla_escalation"
    STAGE_CHANGED = "stage_changed"
    REASSIGNED_AWAY = "reassigned_away"
    # The match ended with its offer or need, or waits for a decision (matching.closure).
    MATCH_ENDED = "match_ended"
    DECISION_NEEDED = "decision_needed"
    DIGEST = "digest"


# Sent on their own, at once.
IMMEDIATE_KINDS = frozenset(
    {Kind.ASSIGNED, Kind.UNASSIGNED_ALERT, Kind.SLA_REMINDER, Kind.SLA_ESCALATION}
)
# Listed in the next daily digest (the immediate "assigned" too: the digest recaps new work).
DIGEST_KINDS = frozenset(
    {
        Kind.ASSIGNED,
        Kind.UNASSIGNED_ALERT,
        Kind.STAGE_CHANGED,
        Kind.REASSIGNED_AWAY,
        Kind.MATCH_ENDED,
        Kind.DECISION_NEEDED,
    }
)

_RETRYABLE = (OSError, smtplib.SMTPException)


def notify(
    *, recipient: Any, kind: str, match: Match | None, dedup_key: str
) -> Notification | None:
    """Record that ``recipient`` must hear about ``kind``; e-mail at once if it is urgent.

    Returns None when the same notification (``dedup_key``) already exists.
    """
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, kind=kind, match=match, dedup_key=dedup_key[:200]
            )
    except IntegrityError:
        return None
    if kind in IMMEDIATE_KINDS:
        outbox.enqueue(
            "matching.send_notification",
            notification.pk,
            dedup_key=f"notification:{notification.pk}",
        )
    # Other kinds wait for the daily digest.
    return notification


def deliver_notification(*, notification_id: int) -> bool:
    """E-mail one urgent notification; False if it is gone or was already sent."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "match__need", "match__offer__organisation")
            .filter(pk=notification_id, sent_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        recipient = notification.recipient
        now = timezone.now()
        if recipient.is_active and recipient.email:
            language = emails.staff_language(recipient)
            subject, body = emails.notification_message(notification, language=language)
            mail.send_text(to=[recipient.email], subject=subject, body=body, language=language)
        notification.sent_at = now
        notification.save(update_fields=["sent_at"])
    return True


def deliver_contact_email(*, event_id: int) -> bool:
    """Send the e-mail a manager wrote to a stakeholder; False if gone or already sent."""
    with transaction.atomic():
        event = (
            MatchEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("actor")
            .filter(pk=event_id, kind="contact_email", email_sent_at__isnull=True)
            .first()
        )
        if event is None:
            return False
        payload = event.payload
        mail.send_text(
            to=[payload["to"]],
            subject=payload["subject"],
            body=payload["body"],
            language=payload.get("language", "it"),
            reply_to=[event.actor.email] if event.actor and event.actor.email else None,
        )
        event.email_sent_at = timezone.now()
        event.save(update_fields=["email_sent_at"])
    return True


def team_leads():
    return eligible_managers().filter(groups__name=roles.TEAM_LEAD)


def send_sla_reminders(*, today: date | None = None) -> int:
    """Remind the manager of each late first contact once; escalate to the team leads after
    ``MATCH_SLA_ESCALATION_WORKING_DAYS`` more working days. Returns notifications created."""
    today = today or timezone.localdate()
    late = list(sla.late_first_contacts(today=today).select_related("manager").order_by("pk"))
    if not late:
        return 0
    earliest = min(match.first_contact_due for match in late)
    holidays = sla.holidays_between(earliest, today)
    escalate_after = sla.escalation_working_days()
    leads = list(team_leads())
    created = 0
    with transaction.atomic():
        for match in late:
            due = match.first_contact_due
            created += bool(
                notify(
                    recipient=match.manager,
                    kind=Kind.SLA_REMINDER,
                    match=match,
                    dedup_key=f"sla-reminder:{match.pk}:{match.manager_id}:{due}",
                )
            )
            if sla.working_days_between(due, today, holidays=holidays) < escalate_after:
                continue
            for lead in leads:
                created += bool(
                    notify(
                        recipient=lead,
                        kind=Kind.SLA_ESCALATION,
                        match=match,
                        dedup_key=f"sla-escalation:{match.pk}:{lead.pk}:{due}",
                    )
                )
    return created


def send_daily_digests(*, today: date | None = None) -> int:
    """One e-mail per manager and day listing new and late matches and quieter events.

    The digest is itself a ``Notification`` (``digest:<user>:<date>``): a second run the same
    day finds it and sends nothing. Returns the number of digests sent.
    """
    today = today or timezone.localdate()
    sent = 0
    for user in eligible_managers().filter(email__gt=""):
        if _send_digest(user=user, today=today):
            sent += 1
    return sent


def _send_digest(*, user: Any, today: date) -> bool:
    is_lead = roles.is_team_lead(user)
    with transaction.atomic():
        if Notification.objects.filter(dedup_key=f"digest:{user.pk}:{today}").exists():
            return False
        items = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(recipient=user, digest_sent_at__isnull=True, kind__in=DIGEST_KINDS)
            .select_related("match__need", "match__offer__organisation")
            .order_by("created_at", "pk")
        )
        late = list(
            sla.late_first_contacts(today=today)
            .filter(manager=user)
            .select_related("need", "offer__organisation")
            .order_by("first_contact_due", "pk")
        )
        unassigned = (
            list(
                Match.objects.routed()
                .filter(stage=Stage.PROPOSED, manager__isnull=True)
                .select_related("need", "offer__organisation")
                .order_by("created_at", "pk")[:50]
            )
            if is_lead
            else []
        )
        if not (items or late or unassigned):
            return False
        try:
            with transaction.atomic():
                digest = Notification.objects.create(
                    recipient=user, kind=Kind.DIGEST, dedup_key=f"digest:{user.pk}:{today}"
                )
        except IntegrityError:
            return False  # another run is sending it right now
        language = emails.staff_language(user)
        subject, body = emails.digest_message(
            user=user,
            items=items,
            late=late,
            unassigned=unassigned,
            today=today,
            language=language,
        )
        mail.send_text(to=[user.email], subject=subject, body=body, language=language)
        now = timezone.now()
        Notification.objects.filter(pk__in=[item.pk for item in items]).update(digest_sent_at=now)
        digest.sent_at = now
        digest.digest_sent_at = now
        digest.save(update_fields=["sent_at", "digest_sent_at"])
    return True


# --- Jobs: thin, by id, idempotent --------------------------------------------------------------

# An e-mail job: a minute at most, retried with backoff when the mail server fails for now.
_EMAIL_JOB: dict[str, Any] = {
    "time_limit": 60,
    "soft_time_limit": 50,
    "autoretry_for": _RETRYABLE,
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(name="matching.send_notification", **_EMAIL_JOB)
def send_notification(notification_id: int) -> bool:
    return deliver_notification(notification_id=notification_id)


@shared_task(name="matching.send_contact_email", **_EMAIL_JOB)
def send_contact_email(event_id: int) -> bool:
    return deliver_contact_email(event_id=event_id)


@shared_task(name="matching.send_daily_digests", time_limit=600, soft_time_limit=540)
def send_daily_digests_task() -> int:
    return _on_working_days(send_daily_digests)


@shared_task(name="matching.send_sla_reminders", time_limit=600, soft_time_limit=540)
def send_sla_reminders_task() -> int:
    return _on_working_days(send_sla_reminders)


def _on_working_days(send: Callable[..., int]) -> int:
    """``send`` for today when it is a working day; on other days nothing goes out (the next
    working day's digest lists everything)."""
    today = timezone.localdate()
    if not sla.is_working_day(today):
        return 0
    return send(today=today)
