"""The life of a match: the allowed stage transitions and who may make them.

    proposed -> assigned -> contacted -> negotiating -> agreed -> in_delivery -> completed
    and from any open stage: declined_city, declined_stakeholder, withdrawn, expired.

Every change is a service here (``transition``, ``assign``, ``reassign``, ``hand_over``,
``contact_stakeholder``): one transaction, the match row locked, a ``MatchEvent`` for the
timeline and an audit entry. Who may act: the assigned account manager, any team lead and
superusers; a stakeholder may decline or withdraw their own organisation's match.

Quantities move only through ``matching.quantities`` (``allocate`` / ``release``):
entering "agreed" takes the match's quantity from the offer and the need, leaving
"agreed"/"in delivery" by an exit gives it back.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactpoint import outbox
from contactpoint.audit import log_action

from . import emails, notifications, quantities, signals, sla
from .errors import MatchError, MatchingError, NotPermitted, TransitionNotAllowed
from .models import ALLOCATED_STAGES, OPEN_STAGES, AccountManagerProfile, Match, MatchEvent, Stage
from .offer_status import sync_offer_status
from .permissions import (
    NOT_PERMITTED_MESSAGE,
    can_act,
    eligible_managers,
    is_stakeholder_of,
    is_team_lead,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

logger = logging.getLogger(__name__)

EXITS = (
    Stage.DECLINED_BY_CITY,
    Stage.DECLINED_BY_STAKEHOLDER,
    Stage.WITHDRAWN,
    Stage.EXPIRED,
)
# The one table of allowed moves: the next stage on the happy path, or an exit.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Stage.PROPOSED: (Stage.ASSIGNED, *EXITS),
    Stage.ASSIGNED: (Stage.CONTACTED, *EXITS),
    Stage.CONTACTED: (Stage.NEGOTIATING, *EXITS),
    Stage.NEGOTIATING: (Stage.AGREED, *EXITS),
    Stage.AGREED: (Stage.IN_DELIVERY, *EXITS),
    Stage.IN_DELIVERY: (Stage.COMPLETED, *EXITS),
    Stage.COMPLETED: (),
    Stage.DECLINED_BY_CITY: (),
    Stage.DECLINED_BY_STAKEHOLDER: (),
    Stage.WITHDRAWN: (),
    Stage.EXPIRED: (),
}
NEXT_STAGE: dict[str, str] = {
    Stage.PROPOSED: Stage.ASSIGNED,
    Stage.ASSIGNED: Stage.CONTACTED,
    Stage.CONTACTED: Stage.NEGOTIATING,
    Stage.NEGOTIATING: Stage.AGREED,
    Stage.AGREED: Stage.IN_DELIVERY,
    Stage.IN_DELIVERY: Stage.COMPLETED,
}
# What a stakeholder may do to their own organisation's match.
STAKEHOLDER_STAGES = (Stage.DECLINED_BY_STAKEHOLDER, Stage.WITHDRAWN)


def allowed_targets(match: Match) -> tuple[str, ...]:
    return TRANSITIONS.get(match.stage, ())


def targets_for(user: AbstractBaseUser | AnonymousUser | None, match: Match) -> list[str]:
    """The stages ``user`` may move ``match`` to now (empty when they may do nothing)."""
    targets = list(allowed_targets(match))
    if match.manager_id is None:
        # An unassigned match is assigned through reassign (a manager must be chosen).
        targets = [stage for stage in targets if stage != Stage.ASSIGNED]
    if can_act(user, match):
        return targets
    if is_stakeholder_of(user, match):
        return [stage for stage in targets if stage in STAKEHOLDER_STAGES]
    return []


def _check_transition(*, match: Match, to_stage: str, actor: Any) -> None:
    if to_stage not in Stage.values:
        raise TransitionNotAllowed(
            _("“%(stage)s” is not a stage.") % {"stage": to_stage}, field="to_stage"
        )
    if to_stage not in allowed_targets(match):
        raise TransitionNotAllowed(
            _("A match cannot move from “%(from)s” to “%(to)s”.")
            % {"from": Stage(match.stage).label, "to": Stage(to_stage).label},
            field="to_stage",
        )
    if actor is None:  # the system itself (jobs): allowed by the table alone
        return
    if can_act(actor, match):
        return
    if to_stage in STAKEHOLDER_STAGES and is_stakeholder_of(actor, match):
        return
    raise NotPermitted(NOT_PERMITTED_MESSAGE)


def _move_quantity(function: Any, *, field: str = "quantity", **kwargs: Any) -> None:
    """Call a quantities service; its refusals become a ``MatchError`` on ``field``."""
    try:
        function(**kwargs)
    except MatchingError as exc:
        raise MatchError(str(exc), field=field) from exc
    except MatchError:
        raise
    except (ValidationError, ValueError) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        raise MatchError(" ".join(messages), field=field) from exc


EVENT_LABELS = {
    "stage": _("Stage changed"),
    "routed": _("Routed"),
    "reassigned": _("Reassigned by a team lead"),
    "handed_over": _("Handed over"),
    "contact_email": _("E-mail sent to the stakeholder"),
    "quantity": _("Quantity changed"),
    "proposed": _("Proposed by the matching engine"),
    "promoted": _("Promoted from the other candidates"),
    "expired": _("Expired"),
    "decision_needed": _("Offer or need ended: decision needed"),
}


def describe_event(event: MatchEvent) -> str:
    """A short translated title for a timeline step."""
    if event.kind == "stage" and event.to_stage:
        if event.from_stage:
            return f"{Stage(event.from_stage).label} → {Stage(event.to_stage).label}"
        return str(Stage(event.to_stage).label)
    return str(EVENT_LABELS.get(event.kind, event.kind))


# --- Services ----------------------------------------------------------------------------------


def record_event(
    *,
    match: Match,
    kind: str,
    actor: Any,
    from_stage: str = "",
    to_stage: str = "",
    note: str = "",
    visible_to_stakeholder: bool = False,
    payload: dict[str, Any] | None = None,
) -> MatchEvent:
    """Add a step to the match's timeline (call inside the change's transaction)."""
    return MatchEvent.objects.create(
        match=match,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_stage=from_stage,
        to_stage=to_stage,
        note=note,
        visible_to_stakeholder=visible_to_stakeholder,
        payload=payload or {},
    )


def transition(
    *, match: Match, to_stage: str, actor: Any, note: str = "", notify_manager: bool = True
) -> Match:
    """Move ``match`` to ``to_stage`` if the table allows it and ``actor`` may do it.

    ``actor=None`` is the system (scheduled jobs). Raises ``TransitionNotAllowed`` (a move
    the table refuses, or an unknown stage) or ``NotPermitted``; nothing changes then.
    ``notify_manager=False`` is for callers that tell the manager themselves (closure).
    """
    note = (note or "").strip()
    with transaction.atomic():
        match = (
            Match.objects.select_for_update(of=("self",))
            .select_related("offer", "need", "manager")
            .get(pk=match.pk)
        )
        _check_transition(match=match, to_stage=to_stage, actor=actor)
        if to_stage == Stage.ASSIGNED and match.manager_id is None:
            raise TransitionNotAllowed(
                _("Choose an account manager first (reassign)."), field="to_stage"
            )
        # Other apps' conditions (e.g. an impact evaluation before completion) refuse by
        # raising MatchError.
        signals.before_transition.send(sender=Match, match=match, to_stage=to_stage, actor=actor)
        from_stage = match.stage
        if to_stage == Stage.AGREED:
            _move_quantity(
                quantities.allocate,
                field="to_stage",
                match=match,
                quantity=match.quantity,
                actor=actor,
            )
        elif to_stage in EXITS and from_stage in ALLOCATED_STAGES:
            _move_quantity(quantities.release, field="to_stage", match=match, actor=actor)

        now = timezone.now()
        match.stage = to_stage
        match.stage_changed_at = now
        fields = ["stage", "stage_changed_at", "updated_at"]
        if to_stage == Stage.CONTACTED and match.contacted_at is None:
            match.contacted_at = now
            fields.append("contacted_at")
        if to_stage == Stage.ASSIGNED and match.assigned_at is None:
            match.assigned_at = now
            match.first_contact_due = sla.first_contact_due(timezone.localdate(now))
            fields += ["assigned_at", "first_contact_due"]
        # update_fields: the engine may have changed other columns (allocated) meanwhile.
        match.save(update_fields=fields)
        match.refresh_from_db(fields=["allocated", "quantity"])

        event = record_event(
            match=match,
            kind="stage",
            actor=actor,
            from_stage=from_stage,
            to_stage=to_stage,
            note=note,
            visible_to_stakeholder=True,
        )
        log_action(
            actor=actor,
            action=f"matching.match.{to_stage}",
            obj=match,
            payload={"from": from_stage, "to": to_stage, "note": note[:500], "event": event.pk},
        )
        sync_offer_status(offer=match.offer, actor=actor)
        signals.stage_changed.send(
            sender=Match, match=match, from_stage=from_stage, to_stage=to_stage, actor=actor
        )
        if (
            notify_manager
            and match.manager_id is not None
            and (actor is None or actor.pk != match.manager_id)
        ):
            # Someone else moved the manager's match (the stakeholder, a team lead, a job):
            # worth knowing, not worth an e-mail of its own, so it goes in the daily digest.
            notifications.notify(
                recipient=match.manager,
                kind=notifications.Kind.STAGE_CHANGED,
                match=match,
                dedup_key=f"stage:{event.pk}",
            )
    return match


def assign(
    *, match: Match, manager: Any, actor: Any, reason: dict[str, Any] | None = None
) -> Match:
    """Give an unassigned match to ``manager`` (routing and team leads use this).

    Sets the first-contact deadline, moves a proposed match to "assigned", records when the
    manager last received a match (the routing tie-breaker) and tells them at once.
    Call with the match row locked, inside a transaction.
    """
    now = timezone.now()
    from_stage = match.stage
    match.manager = manager
    match.assigned_at = now
    if match.first_contact_due is None or from_stage == Stage.PROPOSED:
        match.first_contact_due = sla.first_contact_due(timezone.localdate(now))
    fields = ["manager", "assigned_at", "first_contact_due", "updated_at"]
    if reason is not None:
        match.routing_reason = reason
        fields.append("routing_reason")
    if match.stage == Stage.PROPOSED:
        match.stage = Stage.ASSIGNED
        match.stage_changed_at = now
        fields += ["stage", "stage_changed_at"]
    match.save(update_fields=fields)
    AccountManagerProfile.objects.filter(user=manager).update(last_assigned_at=now)
    if from_stage != match.stage:
        record_event(
            match=match,
            kind="stage",
            actor=actor,
            from_stage=from_stage,
            to_stage=match.stage,
            visible_to_stakeholder=True,
        )
    log_action(
        actor=actor,
        action="matching.match.assigned",
        obj=match,
        payload={"manager": manager.pk, "rule": (reason or {}).get("rule", "")},
    )
    sync_offer_status(offer=match.offer, actor=actor)
    notifications.notify(
        recipient=manager,
        kind=notifications.Kind.ASSIGNED,
        match=match,
        dedup_key=f"assigned:{match.pk}:{manager.pk}:{now.isoformat()}",
    )
    return match


def _check_manager(manager: Any, *, field: str = "manager") -> None:
    if manager is None or not eligible_managers().filter(pk=manager.pk).exists():
        raise MatchError(_("Choose an active account manager."), field=field)


def _give_to(*, match: Match, manager: Any, actor: Any, note: str, kind: str) -> None:
    """Move a locked, open match to ``manager``: routing reason, timeline event and audit
    entry all say ``kind`` ("reassigned" or "handed_over") and who had it before."""
    previous = match.manager
    moved = {"from": previous.pk if previous else None, "to": manager.pk}
    reason = {
        **(match.routing_reason or {}),
        "rule": kind,
        "by": actor.pk,
        "previous_manager": moved["from"],
        "note": note[:500],
    }
    assign(match=match, manager=manager, actor=actor, reason=reason)
    record_event(match=match, kind=kind, actor=actor, note=note, payload=moved)
    log_action(actor=actor, action=f"matching.match.{kind}", obj=match, payload=moved)


def reassign(*, match: Match, manager: Any, actor: Any, note: str = "") -> Match:
    """A team lead gives the match to another account manager (or assigns an unassigned one)."""
    if not is_team_lead(actor):
        raise NotPermitted(_("Only a team lead can reassign a match."))
    _check_manager(manager)
    with transaction.atomic():
        match = (
            Match.objects.select_for_update(of=("self",))
            .select_related("offer", "manager")
            .get(pk=match.pk)
        )
        if not match.is_open:
            raise MatchError(_("A closed match cannot be reassigned."), field="manager")
        previous = match.manager
        if previous is not None and previous.pk == manager.pk:
            raise MatchError(_("The match is already assigned to this manager."), field="manager")
        _give_to(match=match, manager=manager, actor=actor, note=note, kind="reassigned")
        if previous is not None:
            when = (match.assigned_at or timezone.now()).isoformat()
            notifications.notify(
                recipient=previous,
                kind=notifications.Kind.REASSIGNED_AWAY,
                match=match,
                dedup_key=f"reassigned-away:{match.pk}:{previous.pk}:{when}",
            )
    return match


def hand_over(*, match: Match, manager: Any, actor: Any, note: str) -> Match:
    """The assigned manager hands the match to a colleague, saying why (the note is required)."""
    note = (note or "").strip()
    if not note:
        raise MatchError(_("Say why you hand the match over."), field="note")
    _check_manager(manager)
    with transaction.atomic():
        match = (
            Match.objects.select_for_update(of=("self",))
            .select_related("offer", "manager")
            .get(pk=match.pk)
        )
        if not can_act(actor, match) or match.manager_id is None:
            raise NotPermitted(NOT_PERMITTED_MESSAGE)
        if not match.is_open:
            raise MatchError(_("A closed match cannot be handed over."), field="manager")
        previous = match.manager
        if previous is not None and previous.pk == manager.pk:
            raise MatchError(_("Choose another account manager."), field="manager")
        # A hand-over keeps the first-contact deadline: the stakeholder is still waiting.
        _give_to(match=match, manager=manager, actor=actor, note=note, kind="handed_over")
    return match


def split_quantity(*, match: Match, quantity: int, actor: Any) -> Match:
    """Set how much this match proposes to move (the rest of the offer stays free for other
    needs): checks the input and the permission, then the engine moves it under locks."""
    if not can_act(actor, match):
        raise NotPermitted(NOT_PERMITTED_MESSAGE)
    if not match.is_open:
        raise MatchError(_("A closed match cannot be split."), field="quantity")
    refusal = quantities.split_range_error(quantity, most=split_maximum(match))
    if refusal is not None:
        raise MatchError(refusal, field="quantity")
    with transaction.atomic():
        _move_quantity(quantities.split_quantity, match=match, quantity=quantity, actor=actor)
        record_event(
            match=match,
            kind="quantity",
            actor=actor,
            note=str(quantity),
            payload={"quantity": quantity},
        )
    match.refresh_from_db()
    return match


def split_maximum(match: Match) -> int:
    """The most a match can propose: what both its offer and its need still have open."""
    return max(min(match.offer.quantity_open, match.need.quantity_open), 0)


def contact_stakeholder(
    *, match: Match, actor: Any, subject: str, body: str, advance: bool = True
) -> MatchEvent:
    """E-mail the offer's contact (sent by a job after commit) and move to "contacted".

    The e-mail is recorded on the timeline with its text; the stakeholders app keeps its own
    interaction log, which this app does not write.
    """
    subject, body = subject.strip(), body.strip()
    errors = {}
    if not subject:
        errors["subject"] = _("Write a subject.")
    if not body:
        errors["body"] = _("Write the message.")
    if errors:
        field, message = next(iter(errors.items()))
        raise MatchError(message, field=field)
    with transaction.atomic():
        match = (
            Match.objects.select_for_update(of=("self",))
            .select_related("offer__contact", "manager")
            .get(pk=match.pk)
        )
        if not can_act(actor, match):
            raise NotPermitted(NOT_PERMITTED_MESSAGE)
        if not match.is_open:
            raise MatchError(_("A closed match cannot be contacted."), field="body")
        recipient = emails.stakeholder_recipient(match.offer)
        if recipient is None:
            raise MatchError(_("The offer has no e-mail address to write to."), field="body")
        event = record_event(
            match=match,
            kind="contact_email",
            actor=actor,
            note=f"{subject}\n\n{body}",
            payload={
                "to": recipient.email,
                "name": recipient.name,
                "language": recipient.language,
                "subject": subject,
                "body": body,
            },
        )
        log_action(
            actor=actor,
            action="matching.match.contact_email_sent",
            obj=match,
            payload={"event": event.pk, "to": recipient.email, "language": recipient.language},
        )
        outbox.enqueue(
            "matching.send_contact_email", event.pk, dedup_key=f"contact-email:{event.pk}"
        )
        if advance and match.stage == Stage.ASSIGNED:
            transition(match=match, to_stage=Stage.CONTACTED, actor=actor)
    return event


__all__ = [
    "EXITS",
    "NEXT_STAGE",
    "OPEN_STAGES",
    "TRANSITIONS",
    "MatchError",
    "NotPermitted",
    "TransitionNotAllowed",
    "assign",
    "can_act",
    "contact_stakeholder",
    "hand_over",
    "reassign",
    "split_quantity",
    "sync_offer_status",
    "targets_for",
    "transition",
]
