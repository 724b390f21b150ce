"""Why an open match needs its manager's decision, or why it ended with its offer or need.

Derived from the match's own offer and need each time it is read, never stored: a need
published again (with a new date) stops flagging its matches by itself, and the flag cannot
go stale. Closure writes the events and notifications (``matching.closure``); the queue, the
match page and the digest read the reason here. No imports from the rest of ``matching``
beyond its models, so e-mails and the admin can use it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from needs.models import Need
from stakeholders.models import Offer

from .models import Stage

# Someone has already contacted the stakeholder: the manager decides, not the system.
WORKED_STAGES = (Stage.CONTACTED, Stage.NEGOTIATING, Stage.AGREED, Stage.IN_DELIVERY)
# Nobody has worked these yet: they end with their offer or need.
UNWORKED_STAGES = (Stage.PROPOSED, Stage.ASSIGNED)


class Reason(StrEnum):
    OFFER_WITHDRAWN = "offer_withdrawn"
    NEED_CLOSED = "need_closed"
    NEED_EXPIRED = "need_expired"


# The badge in the queue and on the match page.
FLAG_LABELS = {
    Reason.OFFER_WITHDRAWN: _("Offer withdrawn: your decision"),
    Reason.NEED_CLOSED: _("Need closed: your decision"),
    Reason.NEED_EXPIRED: _("Need expired: your decision"),
}
# Why a match ended, in its timeline (shown to the stakeholder too) and in the digest.
ENDED_NOTES = {
    Reason.OFFER_WITHDRAWN: _("The organisation withdrew the offer: this match has ended."),
    Reason.NEED_CLOSED: _("The department closed the need: this match has ended."),
    Reason.NEED_EXPIRED: _("The need passed its date: this match has ended."),
}
# Why a worked match waits for the manager, in its timeline (staff only).
DECISION_NOTES = {
    Reason.OFFER_WITHDRAWN: _(
        "The organisation withdrew the offer. The match stays open: decide with the "
        "stakeholder whether to go on or to close it."
    ),
    Reason.NEED_CLOSED: _(
        "The department closed the need. The match stays open: decide with the department "
        "whether to go on or to close it."
    ),
    Reason.NEED_EXPIRED: _(
        "The need passed its date. The match stays open: decide with the department "
        "whether to go on or to close it."
    ),
}


def subject_reason(*, offer_status: str, need_status: str) -> Reason | None:
    """The reason the offer or the need no longer carries a match, if any."""
    if offer_status == Offer.Status.WITHDRAWN:
        return Reason.OFFER_WITHDRAWN
    if need_status == Need.Status.CLOSED:
        return Reason.NEED_CLOSED
    if need_status == Need.Status.EXPIRED:
        return Reason.NEED_EXPIRED
    return None


def decision_reason(match: Any) -> Reason | None:
    """Why this worked, still open match waits for its manager's decision (None: it doesn't).

    Reads ``match.offer`` and ``match.need``: select them with the match.
    """
    if match.stage not in WORKED_STAGES:
        return None
    return subject_reason(offer_status=match.offer.status, need_status=match.need.status)


def decision_label(match: Any) -> str:
    reason = decision_reason(match)
    return str(FLAG_LABELS[reason]) if reason else ""


def needs_decision_q() -> Q:
    """The matches ``decision_reason`` flags, as a filter (for the queue)."""
    return Q(stage__in=WORKED_STAGES) & (
        Q(offer__status=Offer.Status.WITHDRAWN)
        | Q(need__status__in=(Need.Status.CLOSED, Need.Status.EXPIRED))
    )
