"""Matches follow their offer and their need.

When an offer is withdrawn, or a need is closed or passes its date:

- matches nobody has worked yet (proposed, assigned) end: "withdrawn" with the offer,
  "expired" with the need, the reason in their timeline (the stakeholder sees it too). The
  first-contact clock and its reminders stop with them: reminders only look at assigned
  matches;
- matches already worked (contacted ... in delivery) stay open for the manager to decide,
  flagged in the queue and on the match page (``matching.attention``), with the reason in
  their timeline;
- each manager hears about it once, in the daily digest: no e-mail of its own per match;
- with a need gone, the offers whose match ended are matched again (other needs may fit).

How this is wired, and why: ``stakeholders`` and ``needs`` sit below ``matching`` and must
not import it. They declare a signal (``stakeholders.signals.offer_withdrawn``,
``needs.signals.need_ended``) and send it inside the transaction that changes the status;
this app subscribes in ``MatchingConfig.ready()`` and the receivers only call the services
below. Running in the same transaction (rather than a job after the commit) means there is
no moment when a withdrawn offer's match still sits in a queue with its clock running, and
a failure rolls back the withdrawal with it: both happen or neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone, translation

from contactpoint import outbox
from contactpoint.audit import log_action
from needs import signals as need_signals
from needs.models import Need
from stakeholders import signals as offer_signals
from stakeholders.models import Offer

from . import notifications
from .attention import DECISION_NOTES, ENDED_NOTES, UNWORKED_STAGES, Reason
from .lifecycle import record_event, transition
from .models import OPEN_STAGES, Match, Stage

NEED_REASONS = {
    need_signals.NEED_CLOSED: Reason.NEED_CLOSED,
    need_signals.NEED_EXPIRED: Reason.NEED_EXPIRED,
}


@dataclass
class Followed:
    """What closure did: the matches it ended and the ones left to their manager."""

    ended: list[int] = field(default_factory=list)
    flagged: list[int] = field(default_factory=list)


def follow_offer_withdrawal(*, offer: Offer, actor: Any) -> Followed:
    """End the unworked matches of a withdrawn offer and flag its worked ones.

    Runs inside the withdrawal's transaction (see the module docstring).
    """
    followed = _follow(
        Match.objects.filter(offer_id=offer.pk),
        reason=Reason.OFFER_WITHDRAWN,
        to_stage=Stage.WITHDRAWN,
    )
    # The sweep for matches skipped because someone held them (see _follow): re-matching
    # a withdrawn offer expires whatever unworked match it still has.
    outbox.enqueue("matching.match_offer", offer.pk, dedup_key=f"match-offer-{offer.pk}")
    _audit(subject=offer, followed=followed, reason=Reason.OFFER_WITHDRAWN, actor=actor)
    return followed


def follow_need_end(*, need: Need, actor: Any, reason: str) -> Followed:
    """End the unworked matches of a closed or expired need and flag its worked ones;
    the offers freed this way are matched again after the commit."""
    why = NEED_REASONS[reason]
    followed = _follow(Match.objects.filter(need_id=need.pk), reason=why, to_stage=Stage.EXPIRED)
    if followed.ended:
        freed = (
            Offer.objects.open()
            .filter(matches__pk__in=followed.ended, quantity_open__gt=0)
            .values_list("pk", flat=True)
            .distinct()
        )
        for offer_id in sorted(freed):
            # The same dedup key as the intake uses: one pending re-match per offer.
            outbox.enqueue("matching.match_offer", offer_id, dedup_key=f"match-offer-{offer_id}")
    # The sweep for skipped matches, as for offers; it also drops the outreach suggestions.
    outbox.enqueue("matching.match_need", need.pk, dedup_key=f"match-need-{need.pk}")
    _audit(subject=need, followed=followed, reason=why, actor=actor)
    return followed


def _follow(matches: QuerySet[Match], *, reason: Reason, to_stage: str) -> Followed:
    if not connection.in_atomic_block:
        raise RuntimeError("closure runs inside the transaction that ended the offer or need")
    followed = Followed()
    now = timezone.now()
    # Notes are stored text, written in the portal's language like the other system notes.
    with translation.override(settings.LANGUAGE_CODE):
        ended_note, decision_note = str(ENDED_NOTES[reason]), str(DECISION_NOTES[reason])
    # The caller holds the offer or the need; the rest of matching locks a match before its
    # need and offer. Waiting here for a match someone is moving right now could deadlock,
    # so such a match is skipped: the re-matching sweep the callers queue ends it if it is
    # still unworked, and the queue's flag (derived, matching.attention) covers worked ones.
    rows = (
        matches.filter(stage__in=OPEN_STAGES)
        .select_for_update(of=("self",), skip_locked=True)
        .select_related("manager")
        .order_by("pk")
    )
    for match in rows:
        if match.stage in UNWORKED_STAGES:
            transition(
                match=match, to_stage=to_stage, actor=None, note=ended_note, notify_manager=False
            )
            followed.ended.append(match.pk)
            kind = notifications.Kind.MATCH_ENDED
        else:
            record_event(
                match=match,
                kind="decision_needed",
                actor=None,
                note=decision_note,
                payload={"reason": str(reason)},
            )
            followed.flagged.append(match.pk)
            kind = notifications.Kind.DECISION_NEEDED
        if match.manager is not None:
            # Digest-only kinds: the manager reads them once, in the next daily digest.
            notifications.notify(
                recipient=match.manager,
                kind=kind,
                match=match,
                dedup_key=f"{kind}:{match.pk}:{reason}:{now.isoformat()}",
            )
    return followed


def _audit(*, subject: Offer | Need, followed: Followed, reason: Reason, actor: Any) -> None:
    if not (followed.ended or followed.flagged):
        return
    log_action(
        actor=actor,
        action=f"matching.{subject._meta.model_name}.matches_followed",
        obj=subject,
        payload={"reason": str(reason), "ended": followed.ended, "flagged": followed.flagged},
    )


# --- Receivers: thin, they only call the services above -----------------------------------------


def _on_offer_withdrawn(sender: Any, *, offer: Offer, actor: Any = None, **kwargs: Any) -> None:
    follow_offer_withdrawal(offer=offer, actor=actor)


def _on_need_ended(
    sender: Any, *, need: Need, reason: str, actor: Any = None, **kwargs: Any
) -> None:
    follow_need_end(need=need, actor=actor, reason=reason)


def install() -> None:
    """Subscribe to the lower apps' signals (called from ``MatchingConfig.ready``)."""
    offer_signals.offer_withdrawn.connect(
        _on_offer_withdrawn, dispatch_uid="matching.closure.offer_withdrawn"
    )
    need_signals.need_ended.connect(_on_need_ended, dispatch_uid="matching.closure.need_ended")
