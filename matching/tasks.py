"""Matching jobs. Offers and needs queue them by name through the outbox after commit."""

from celery import shared_task

from . import services


@shared_task(name="matching.match_offer", time_limit=120, soft_time_limit=100)
def match_offer(offer_id: int) -> None:
    """Find and score the needs an offer fits (hook called after an offer is accepted)."""
    services.match_offer_by_id(offer_id)


@shared_task(name="matching.match_need", time_limit=120, soft_time_limit=100)
def match_need(need_id: int) -> None:
    """Find open offers and organisations for a newly published or changed need."""
    services.match_need_by_id(need_id)


@shared_task(name="matching.rematch_offers", time_limit=3600, soft_time_limit=3500)
def rematch_offers(offer_ids: list[int] | None = None) -> int:
    """Re-match many offers (default: every open offer with quantity left), e.g. after the
    weights changed or reference data was reloaded. Idempotent: a second run creates
    nothing new."""
    return services.rematch_offers(offer_ids=offer_ids)
