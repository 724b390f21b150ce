"""Business verbs of monitoring: one function per action, in a transaction, audited."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from contactpoint import mail, outbox
from contactpoint.audit import log_action
from contactpoint.context_processors import absolute_url
from matching.lifecycle import MatchError
from matching.models import Match, Stage
from stakeholders.consent import current_version
from stakeholders.models import Consent, ContactPerson

from .models import (
    Collaboration,
    Evidence,
    ImpactOutput,
    OutputKind,
    VerificationLevel,
    WeeklyReminder,
    hash_token,
    new_confirmation_token,
)


class ConfirmationLinkInvalid(Exception):
    """The beneficiary's link is unknown, already used or the record is gone."""


def open_collaboration(*, match: Match, actor: Any) -> Collaboration:
    """Create the impact record of a match entering "in delivery" (once; re-entry keeps it).

    The need's department is involved from the start; expected outputs start from the
    match's quantity when the need counts devices or beneficiaries.
    """
    collaboration, created = Collaboration.objects.get_or_create(match=match)
    if created:
        collaboration.departments.add(match.need.department_id)
        log_action(
            actor=actor,
            action="monitoring.collaboration.opened",
            obj=collaboration,
            payload={"match": match.pk},
        )
    return collaboration


def check_completion(*, match: Match) -> None:
    """Refuse completing a match whose collaboration has no impact evaluation."""
    collaboration = Collaboration.objects.filter(match=match).first()
    if collaboration is None or not collaboration.is_evaluated:
        raise MatchError(
            _(
                "A collaboration cannot be completed without an impact evaluation: record the "
                "outputs and the evaluation first."
            ),
            field="to_stage",
        )


def mark_completed(*, match: Match) -> None:
    Collaboration.objects.filter(match=match, completed_at__isnull=True).update(
        completed_at=timezone.now()
    )


def record_outputs(
    *,
    collaboration: Collaboration,
    values: dict[str, tuple[Decimal | None, Decimal | None]],
    actor: Any,
) -> None:
    """Set expected and actual values per output kind (``{kind: (expected, actual)}``)."""
    unknown = set(values) - set(OutputKind.values)
    if unknown:
        raise ValueError(f"unknown output kinds: {sorted(unknown)}")
    with transaction.atomic():
        for kind, (expected, actual) in values.items():
            for value in (expected, actual):
                if value is not None and value < 0:
                    raise MatchError(_("Values cannot be negative."), field=kind)
            ImpactOutput.objects.update_or_create(
                collaboration=collaboration,
                kind=kind,
                defaults={"expected": expected, "actual": actual},
            )
        log_action(
            actor=actor,
            action="monitoring.collaboration.outputs_recorded",
            obj=collaboration,
            payload={
                k: [str(v) if v is not None else None for v in pair] for k, pair in values.items()
            },
        )


def record_evaluation(
    *, collaboration: Collaboration, evaluation: str, method_and_limits: str, actor: Any
) -> Collaboration:
    """Write the impact evaluation that allows the match to be completed."""
    evaluation = (evaluation or "").strip()
    if not evaluation:
        raise MatchError(_("Write the evaluation."), field="evaluation")
    with transaction.atomic():
        collaboration = Collaboration.objects.select_for_update().get(pk=collaboration.pk)
        collaboration.evaluation = evaluation
        collaboration.method_and_limits = (method_and_limits or "").strip()
        collaboration.evaluated_at = timezone.now()
        collaboration.save(update_fields=["evaluation", "method_and_limits", "evaluated_at"])
        log_action(actor=actor, action="monitoring.collaboration.evaluated", obj=collaboration)
    return collaboration


def confirmation_token(collaboration: Collaboration) -> str:
    return salted_hmac(
        "monitoring.confirmation",
        f"{collaboration.pk}:{collaboration.confirmation_nonce}",
        algorithm="sha256",
    ).hexdigest()


def request_beneficiary_confirmation(
    *, collaboration: Collaboration, email: str, actor: Any
) -> str:
    """Issue a new private link for the beneficiary and queue the e-mail that carries it;
    returns the token. Only its hash is stored; a new request replaces any earlier link."""
    email = (email or "").strip()
    if not email:
        raise MatchError(_("Give the beneficiary's e-mail address."), field="confirmation_sent_to")
    with transaction.atomic():
        collaboration = Collaboration.objects.select_for_update().get(pk=collaboration.pk)
        if collaboration.confirmed_at is not None:
            raise MatchError(
                _("The beneficiary has already confirmed."), field="confirmation_sent_to"
            )
        collaboration.confirmation_nonce = new_confirmation_token()
        token = confirmation_token(collaboration)
        collaboration.confirmation_token_hash = hash_token(token)
        collaboration.confirmation_sent_to = email
        collaboration.confirmation_emailed_at = None
        collaboration.save(
            update_fields=[
                "confirmation_nonce",
                "confirmation_token_hash",
                "confirmation_sent_to",
                "confirmation_emailed_at",
            ]
        )
        log_action(
            actor=actor,
            action="monitoring.collaboration.confirmation_requested",
            obj=collaboration,
            payload={"email": email},
        )
        outbox.enqueue(
            "monitoring.send_confirmation_request",
            collaboration.pk,
            dedup_key=f"confirmation:{collaboration.pk}:{collaboration.confirmation_nonce[:20]}",
        )
    return token


def send_confirmation_request(*, collaboration_id: int) -> bool:
    """E-mail the beneficiary their private link; once per link (False if gone or sent)."""
    with transaction.atomic():
        collaboration = (
            Collaboration.objects.select_for_update(skip_locked=True)
            .select_related("match__need", "match__offer__organisation")
            .filter(
                pk=collaboration_id,
                confirmed_at__isnull=True,
                confirmation_emailed_at__isnull=True,
            )
            .exclude(confirmation_token_hash="")
            .first()
        )
        if collaboration is None:
            return False
        link = absolute_url(f"/impact/confirm/{confirmation_token(collaboration)}/")
        with translation.override("it"):
            subject = gettext("Please confirm the delivery: %(need)s") % {
                "need": collaboration.match.need.title
            }
            body = gettext(
                "The city and %(organisation)s have carried out a collaboration for you: "
                "%(need)s.\n\nPlease confirm it was delivered through this private link "
                "(it works once):\n%(link)s"
            ) % {
                "organisation": collaboration.match.offer.organisation.legal_name,
                "need": collaboration.match.need.title,
                "link": link,
            }
        mail.send_text(
            to=[collaboration.confirmation_sent_to], subject=subject, body=body, language="it"
        )
        collaboration.confirmation_emailed_at = timezone.now()
        collaboration.save(update_fields=["confirmation_emailed_at"])
    return True


def confirm_delivery(*, token: str, confirmed_by: str) -> Collaboration:
    """The beneficiary confirms through the private link; the link works exactly once.

    The conditional UPDATE is the claim: two clicks at the same moment confirm once.
    """
    confirmed_by = (confirmed_by or "").strip()[:200]
    if not token or not confirmed_by:
        raise ConfirmationLinkInvalid
    with transaction.atomic():
        pk = (
            Collaboration.objects.filter(
                confirmation_token_hash=hash_token(token), confirmed_at__isnull=True
            )
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            raise ConfirmationLinkInvalid
        updated = Collaboration.objects.filter(
            pk=pk, confirmation_token_hash=hash_token(token), confirmed_at__isnull=True
        ).update(
            confirmed_at=timezone.now(),
            confirmed_by=confirmed_by,
            confirmation_token_hash="",
            verification_level=VerificationLevel.BENEFICIARY,
        )
        if updated != 1:
            raise ConfirmationLinkInvalid
        collaboration = Collaboration.objects.get(pk=pk)
        log_action(
            actor=None,
            action="monitoring.collaboration.confirmed",
            obj=collaboration,
            payload={"by": confirmed_by},
        )
    return collaboration


def on_before_transition(*, match: Match, to_stage: str, **kwargs: Any) -> None:
    if to_stage == Stage.COMPLETED:
        check_completion(match=match)


def on_stage_changed(*, match: Match, to_stage: str, actor: Any, **kwargs: Any) -> None:
    if to_stage == Stage.IN_DELIVERY:
        open_collaboration(match=match, actor=actor)
    elif to_stage == Stage.COMPLETED:
        mark_completed(match=match)


def _send_weekly(
    *,
    kind: str,
    rows: QuerySet,
    owner: str,
    today: date | None,
    subject: str,
    body: str,
    path: str,
) -> int:
    """One e-mail per staff member (the ``owner`` path of ``rows``) and week for ``kind``,
    listing their rows; the reminder row is created before the e-mail in the same
    transaction, so a second run the same week sends nothing."""
    today = today or timezone.localdate()
    week = today - timedelta(days=today.weekday())
    pending: dict[int, list[int]] = {}
    owned = rows.filter(**{f"{owner}__isnull": False}).values_list(owner, "pk")
    for owner_id, pk in owned.order_by(owner, "pk"):
        pending.setdefault(owner_id, []).append(pk)
    users = get_user_model().objects.in_bulk(list(pending))
    sent = 0
    for user_id, ids in pending.items():
        user = users[user_id]
        if not user.is_active or not user.email:
            continue
        try:
            with transaction.atomic():
                WeeklyReminder.objects.create(
                    kind=kind, manager=user, week=week, collaboration_ids=ids
                )
                with translation.override("it"):
                    text = gettext(body) % {"count": len(ids), "link": absolute_url(path)}
                    mail.send_text(
                        to=[user.email], subject=gettext(subject), body=text, language="it"
                    )
        except IntegrityError:
            continue
        sent += 1
    return sent


def send_missing_impact_reminders(*, today: date | None = None) -> int:
    """E-mail each account manager, at most once a week, the collaborations of their matches
    that still lack actual outputs or an evaluation. Returns the reminders sent."""
    return _send_weekly(
        kind=WeeklyReminder.Kind.IMPACT,
        rows=Collaboration.objects.missing_impact_data().filter(completed_at__isnull=True),
        owner="match__manager",
        today=today,
        subject=gettext_noop("Collaborations waiting for impact data"),
        body=gettext_noop(
            "%(count)s collaborations of your matches still lack actual outputs "
            "or an impact evaluation: %(link)s"
        ),
        path="/admin/monitoring/collaboration/",
    )


def contacts_to_renew(*, now: Any = None) -> Any:
    """Contacts whose consent to be contacted is on an older text or older than
    ``CONSENT_RENEWAL_DAYS`` (default two years), with no current one."""
    now = now or timezone.now()
    days = getattr(settings, "CONSENT_RENEWAL_DAYS", 730)
    active = Consent.objects.filter(
        contact=OuterRef("pk"), purpose=Consent.Purpose.CONTACT, withdrawn_at__isnull=True
    )
    current = active.filter(
        text_version=current_version(Consent.Purpose.CONTACT),
        given_at__gte=now - timedelta(days=days),
    )
    return ContactPerson.objects.filter(
        Exists(active), ~Exists(current), organisation__merged_into__isnull=True
    )


def send_consent_renewal_reminders(*, today: date | None = None) -> int:
    """Tell each organisation's relationship owner, once a week, which contacts should be
    asked to renew their consent. Returns the reminders sent."""
    return _send_weekly(
        kind=WeeklyReminder.Kind.CONSENT,
        rows=contacts_to_renew(),
        owner="organisation__relationship_owner",
        today=today,
        subject=gettext_noop("Consents to renew"),
        body=gettext_noop(
            "%(count)s contacts of your organisations gave their consent on an older text or "
            "long ago: ask them to renew it. %(link)s"
        ),
        path="/admin/stakeholders/contactperson/",
    )


def confirmation_link_is_valid(token: str) -> bool:
    return (
        bool(token)
        and Collaboration.objects.filter(
            confirmation_token_hash=hash_token(token), confirmed_at__isnull=True
        ).exists()
    )


def save_impact_record(*, collaboration: Collaboration, changed: list[str], actor: Any) -> None:
    """Save an impact record edited in the admin; a written evaluation dates itself, and a
    new beneficiary e-mail sends them a private link to confirm the delivery."""
    with transaction.atomic():
        if "evaluation" in changed:
            collaboration.evaluated_at = (
                timezone.now() if collaboration.evaluation.strip() else None
            )
        collaboration.save()
        if "confirmation_sent_to" in changed and collaboration.confirmation_sent_to:
            request_beneficiary_confirmation(
                collaboration=collaboration,
                email=collaboration.confirmation_sent_to,
                actor=actor,
            )
        log_action(
            actor=actor,
            action="monitoring.collaboration.changed",
            obj=collaboration,
            payload={"fields": sorted(changed)},
        )


def save_impact_rows(*, collaboration: Collaboration, formset: Any, actor: Any) -> None:
    """Save outputs, outcomes or evidence of a record; evidence files get their SHA-256."""
    with transaction.atomic():
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            row.delete()
        for row in rows:
            if isinstance(row, Evidence) and row.file and not row.sha256:
                digest = hashlib.sha256()
                for chunk in row.file.chunks():
                    digest.update(chunk)
                row.sha256 = digest.hexdigest()
            row.save()
        formset.save_m2m()
        if rows or formset.deleted_objects:
            log_action(
                actor=actor,
                action=f"monitoring.collaboration.{formset.model._meta.model_name}_changed",
                obj=collaboration,
                payload={
                    "saved": [row.pk for row in rows],
                    "deleted": len(formset.deleted_objects),
                },
            )
