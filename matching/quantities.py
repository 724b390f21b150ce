"""Quantities between an offer and a need: allocate, release and split a match's quantity.

Each runs in one transaction with the match, its need and its offer locked in that order,
and writes the audit trail in it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from contactpoint import outbox
from contactpoint.audit import log_action
from needs.models import Need
from stakeholders.models import Offer

from .errors import MatchingError
from .models import Match

# Need statuses that follow coverage (a closed or expired need keeps its status).
COVERAGE_STATUSES = (
    Need.Status.PUBLISHED,
    Need.Status.PARTIALLY_COVERED,
    Need.Status.COVERED,
)


def split_range_error(quantity: int, *, most: int) -> str | None:
    """The split range, checked here only: from 1 to what both the offer and the need
    still have open (``most``). Returns the message for a quantity outside it."""
    if 1 <= quantity <= most:
        return None
    return _(
        "Enter a quantity between 1 and %(max)s: what both the offer and the need still have open."
    ) % {"max": most}


def _coverage_status(need: Need) -> str:
    if need.status not in COVERAGE_STATUSES:
        return need.status
    if need.quantity_open == 0:
        return Need.Status.COVERED
    if need.quantity_open < need.quantity:
        return Need.Status.PARTIALLY_COVERED
    return Need.Status.PUBLISHED


def _lock(match: Match) -> tuple[Match, Need, Offer]:
    """Lock the match, then its need, then its offer: always in this order, so two
    transactions working on the same rows queue up instead of deadlocking."""
    locked = Match.objects.select_for_update().get(pk=match.pk)
    need = Need.objects.select_for_update().get(pk=locked.need_id)
    offer = Offer.objects.select_for_update().get(pk=locked.offer_id)
    locked.need, locked.offer = need, offer
    return locked, need, offer


def _sync(target: Match, source: Match) -> None:
    for name in ("quantity", "allocated", "updated_at"):
        setattr(target, name, getattr(source, name))


def allocate(*, match: Match, quantity: int | None = None, actor: Any) -> Match:
    """Take ``quantity`` (default: the match's quantity) from both the offer's and the
    need's open quantity, and update the need's coverage status, in one transaction.

    Row locks make two concurrent allocations over the last units queue up: the second
    finds the quantity gone and is refused, so a need is never over-covered.
    """
    with transaction.atomic():
        locked, need, offer = _lock(match)
        if locked.allocated:
            raise MatchingError(
                _("The quantity of this match has already been allocated."), "already_allocated"
            )
        wanted = locked.quantity if quantity is None else quantity
        if wanted < 1:
            raise MatchingError(_("The quantity must be at least 1."), "quantity_too_small")
        if wanted > need.quantity_open:
            raise MatchingError(
                _("The need has only %(open)d %(unit)s still open; %(wanted)d cannot be allocated.")
                % {"open": need.quantity_open, "unit": need.unit, "wanted": wanted},
                "need_over_allocated",
            )
        if wanted > offer.quantity_open:
            raise MatchingError(
                _("The offer has only %(open)d %(unit)s left; %(wanted)d cannot be allocated.")
                % {"open": offer.quantity_open, "unit": offer.unit, "wanted": wanted},
                "offer_over_allocated",
            )
        need_before = need.status
        need.quantity_open -= wanted
        need.status = _coverage_status(need)
        need.save(update_fields=["quantity_open", "status", "updated_at"])
        offer.quantity_open -= wanted
        offer.save(update_fields=["quantity_open", "updated_at"])
        locked.quantity = wanted
        locked.allocated = True
        locked.save(update_fields=["quantity", "allocated", "updated_at"])
        _after_quantity_change("allocated", locked, need, offer, need_before, wanted, actor)
    _sync(match, locked)
    return match


def _after_quantity_change(
    verb: str, match: Match, need: Need, offer: Offer, need_before: str, quantity: int, actor: Any
) -> None:
    """Audit an allocation or a release (what is left open on both sides, the need's status
    before and after), then re-match what the change opened or closed."""
    log_action(
        actor=actor,
        action=f"matching.match.{verb}",
        obj=match,
        payload={
            "quantity": quantity,
            "need_open": need.quantity_open,
            "offer_open": offer.quantity_open,
            "need_status": [need_before, need.status],
        },
    )
    _rematch_after_quantity_change(offer=offer, need=need)


def release(*, match: Match, actor: Any) -> Match:
    """Give an allocated match's quantity back to its offer and need (the match was
    declined or withdrawn after being agreed). Releasing twice changes nothing."""
    with transaction.atomic():
        locked, need, offer = _lock(match)
        if not locked.allocated:
            _sync(match, locked)
            return match
        # The department or the stakeholder may have lowered the total meanwhile.
        need_back = min(locked.quantity, need.quantity - need.quantity_open)
        offer_back = min(locked.quantity, offer.quantity - offer.quantity_open)
        need_before = need.status
        need.quantity_open += need_back
        need.status = _coverage_status(need)
        need.save(update_fields=["quantity_open", "status", "updated_at"])
        offer.quantity_open += offer_back
        offer.save(update_fields=["quantity_open", "updated_at"])
        locked.allocated = False
        locked.save(update_fields=["allocated", "updated_at"])
        _after_quantity_change("released", locked, need, offer, need_before, locked.quantity, actor)
    _sync(match, locked)
    return match


def split_quantity(*, match: Match, quantity: int, actor: Any) -> Match:
    """Set how much of the offer this match proposes to move to the need (a split): at
    least 1 and at most what both the offer and the need still have open."""
    with transaction.atomic():
        locked, need, offer = _lock(match)
        if locked.allocated:
            raise MatchingError(
                _("The quantity of this match has already been allocated; release it first."),
                "already_allocated",
            )
        if not locked.is_open:
            raise MatchingError(_("This match is closed."), "closed")
        refusal = split_range_error(quantity, most=min(need.quantity_open, offer.quantity_open))
        if refusal is not None:
            code = "quantity_too_small" if quantity < 1 else "quantity_too_large"
            raise MatchingError(refusal, code)
        before = locked.quantity
        locked.quantity = quantity
        locked.save(update_fields=["quantity", "updated_at"])
        log_action(
            actor=actor,
            action="matching.match.quantity_set",
            obj=locked,
            payload={"from": before, "to": quantity},
        )
    _sync(match, locked)
    return match


def _rematch_after_quantity_change(*, offer: Offer, need: Need) -> None:
    """Coverage changed: re-match both sides after the commit (their other unworked
    matches may no longer qualify, and quantity fit changed). Coalesced while pending."""
    # The same dedup keys as the needs and offers apps use for these tasks.
    outbox.enqueue("matching.match_need", need.pk, dedup_key=f"match-need-{need.pk}")
    outbox.enqueue("matching.match_offer", offer.pk, dedup_key=f"match-offer-{offer.pk}")
