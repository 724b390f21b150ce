"""Retention of inactive contacts, as the privacy notice promises.

A person (all contact rows with one e-mail address) with no activity for
``CONTACT_RETENTION_MONTHS`` is first warned by e-mail, ``CONTACT_RETENTION_WARNING_DAYS``
before; the e-mail's signed link lets them keep their data, which counts as activity. If they
are still inactive once the warning period has passed, they are anonymised
(``privacy.anonymise_person``). A daily beat job runs :func:`apply_retention`; it is safe to
re-run: a notice is unique per contact and period of inactivity and its e-mail is queued
with a deduplication key.

Activity is the latest of: a contact row created, a consent given, an offer sent or
changed, an interaction recorded, a sign-in or sign-up of an account with the address,
a "keep my data" click. A person with an offer still open is never warned.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from contactpoint import outbox
from contactpoint.audit import log_action
from contactpoint.changes import stamp_once

from . import privacy
from .models import (
    Consent,
    ContactPerson,
    Interaction,
    Offer,
    PersonErasure,
    RetentionNotice,
)

WARNING_TASK = "stakeholders.send_retention_warning"
KEEP_SALT = "stakeholders.retention.keep"
# Activity before any record is "never".
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clamped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def retention_months() -> int:
    return settings.CONTACT_RETENTION_MONTHS


def warning_days() -> int:
    return settings.CONTACT_RETENTION_WARNING_DAYS


def with_last_activity(contacts: QuerySet[ContactPerson]) -> QuerySet[ContactPerson]:
    """Annotate ``last_activity``: the person's latest activity under any of their rows."""
    email = OuterRef("email")
    user_model = get_user_model()
    sources = [
        Subquery(
            ContactPerson.objects.filter(email__iexact=email)
            .order_by("-created_at")
            .values("created_at")[:1]
        ),
        Subquery(
            Consent.objects.filter(contact__email__iexact=email)
            .order_by("-given_at")
            .values("given_at")[:1]
        ),
        Subquery(
            Offer.objects.filter(Q(contact__email__iexact=email) | Q(submitted_email__iexact=email))
            .order_by("-updated_at")
            .values("updated_at")[:1]
        ),
        Subquery(
            Interaction.objects.filter(contact__email__iexact=email)
            .order_by("-date")
            .annotate(at=Cast("date", output_field=DateTimeField()))
            .values("at")[:1]
        ),
        Subquery(
            RetentionNotice.objects.filter(contact__email__iexact=email, kept_at__isnull=False)
            .order_by("-kept_at")
            .values("kept_at")[:1]
        ),
        Subquery(
            user_model.objects.filter(
                Q(email__iexact=email)
                | Q(pk__in=EmailAddress.objects.filter(email__iexact=email).values("user_id"))
            )
            .annotate(at=Greatest(Coalesce("last_login", "date_joined"), "date_joined"))
            .order_by("-at")
            .values("at")[:1]
        ),
    ]
    floor = Value(NEVER, output_field=DateTimeField())
    return contacts.annotate(
        last_activity=Greatest(*(Coalesce(source, floor) for source in sources))
    )


def _open_offer(email: Any) -> Exists:
    return Exists(
        Offer.objects.filter(
            Q(contact__email__iexact=email) | Q(submitted_email__iexact=email),
            status__in=Offer.OPEN_STATUSES,
        )
    )


def to_warn(*, now: datetime) -> QuerySet[ContactPerson]:
    """One contact row per inactive person due for a warning (the lowest id per address)."""
    due = months_before(now, retention_months()) + timedelta(days=warning_days())
    return (
        with_last_activity(ContactPerson.objects.filter(erased_at__isnull=True))
        .filter(Q(last_activity__lt=due))
        .exclude(_open_offer(OuterRef("email")))
        .exclude(
            Exists(
                ContactPerson.objects.filter(
                    email__iexact=OuterRef("email"), erased_at__isnull=True, pk__lt=OuterRef("pk")
                )
            )
        )
        .order_by("pk")
    )


def keep_token(notice: RetentionNotice) -> str:
    return signing.dumps({"n": notice.pk}, salt=KEEP_SALT)


def notice_for_token(token: str) -> RetentionNotice | None:
    """The notice a keep link is for; None when forged, expired or for an erased person."""
    max_age = timedelta(days=warning_days() + 60)
    try:
        data = signing.loads(token, salt=KEEP_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return (
        RetentionNotice.objects.select_related("contact")
        .filter(pk=data.get("n"), contact__erased_at__isnull=True)
        .first()
    )


def keep_data(*, notice: RetentionNotice) -> RetentionNotice:
    """The person followed the link: their data stay, and the clock starts again."""
    with transaction.atomic():
        return stamp_once(
            notice,
            "kept_at",
            actor=None,
            action="stakeholders.retention_notice.kept",
            payload=lambda n: {"contact": n.contact_id},
        )


def send_warning(*, notice_id: int) -> bool:
    """E-mail the warning once (the notice stays locked while it goes out), then start the
    warning period: the anonymisation waits a full period from the moment it was sent."""
    from . import emails

    with transaction.atomic():
        notice = (
            RetentionNotice.objects.select_for_update(of=("self",))
            .select_related("contact__organisation")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.sent_at is not None or notice.contact.erased_at is not None:
            return False
        emails.send_retention_warning(notice=notice, keep_token=keep_token(notice))
        now = timezone.now()
        notice.sent_at = now
        notice.anonymise_after = max(notice.anonymise_after, now + timedelta(days=warning_days()))
        notice.save(update_fields=["sent_at", "anonymise_after"])
    return True


def apply_retention(*, now: datetime | None = None) -> dict[str, int]:
    """Warn the newly inactive, anonymise those warned and still inactive. Idempotent."""
    now = now or timezone.now()
    warned = 0
    contact: Any  # annotated with ``last_activity``
    for contact in to_warn(now=now):
        period = timezone.localdate(contact.last_activity)
        with transaction.atomic():
            notice, created = RetentionNotice.objects.get_or_create(
                contact=contact,
                period=period,
                defaults={"anonymise_after": now + timedelta(days=warning_days())},
            )
            if created:
                log_action(
                    actor=None,
                    action="stakeholders.retention_notice.created",
                    obj=notice,
                    payload={"contact": contact.pk, "last_activity": period.isoformat()},
                )
                outbox.enqueue(WARNING_TASK, notice.pk, dedup_key=f"retention-warning-{notice.pk}")
                warned += 1
    anonymised = 0
    limit = months_before(now, retention_months())
    due = (
        RetentionNotice.objects.filter(
            sent_at__isnull=False,
            kept_at__isnull=True,
            anonymise_after__lte=now,
            contact__erased_at__isnull=True,
        )
        .select_related("contact")
        .order_by("pk")
    )
    for notice in due:
        contact = with_last_activity(ContactPerson.objects.filter(pk=notice.contact_id)).get()
        # Any activity after the warning (or an offer opened since) keeps the person.
        if contact.last_activity >= notice.created_at or contact.last_activity >= limit:
            continue
        if ContactPerson.objects.filter(pk=contact.pk).filter(_open_offer(OuterRef("email"))):
            continue
        try:
            privacy.anonymise_person(
                person=privacy.person_for_contact(contact),
                reason=PersonErasure.Reason.RETENTION,
                actor=None,
            )
        except ValidationError:
            continue  # the address is also a staff account's: staff handle it by hand
        anonymised += 1
    return {"warned": warned, "anonymised": anonymised}
