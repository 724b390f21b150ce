"""The offer's status follows its matches: one rule (``offer_status_for``) and the one
place that writes it (``sync_offer_status``), called after every change of a match's stage."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from contactpoint.audit import log_action
from stakeholders.models import Offer

from .models import ALLOCATED_STAGES, Match, Stage


def offer_status_for(*, stages: set[str], current: str) -> str:
    """The status an offer should show, given the stages of its matches.

    A collaboration agreed or being delivered: in progress. Still being worked (proposed to
    negotiating): matched. Only completed ones left: completed. Every match closed without a
    result: back to review. Offers withdrawn or declined keep their status.
    """
    if current in (Offer.Status.WITHDRAWN, Offer.Status.DECLINED):
        return current
    if stages & set(ALLOCATED_STAGES):
        return Offer.Status.IN_PROGRESS
    if stages & {Stage.PROPOSED, Stage.ASSIGNED, Stage.CONTACTED, Stage.NEGOTIATING}:
        return Offer.Status.MATCHED
    if Stage.COMPLETED in stages:
        return Offer.Status.COMPLETED
    if current in (Offer.Status.MATCHED, Offer.Status.IN_PROGRESS, Offer.Status.COMPLETED):
        return Offer.Status.IN_REVIEW
    return current


def sync_offer_status(*, offer: Offer, actor: Any) -> str:
    """Set ``offer.status`` from its matches' stages (see ``offer_status_for``); audited."""
    stages = set(Match.objects.filter(offer_id=offer.pk).values_list("stage", flat=True))
    current = Offer.objects.filter(pk=offer.pk).values_list("status", flat=True).first()
    if current is None:
        return ""
    wanted = offer_status_for(stages=stages, current=current)
    if wanted != current:
        Offer.objects.filter(pk=offer.pk).update(status=wanted, updated_at=timezone.now())
        offer.status = wanted
        log_action(
            actor=actor,
            action="stakeholders.offer.status_changed",
            obj=offer,
            payload={"from": current, "to": wanted, "by": "matching"},
        )
    return wanted
