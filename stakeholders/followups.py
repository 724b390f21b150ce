"""The sweeper: offers whose follow-up work never happened get it queued again.

Every accepted offer queues two jobs through the outbox (``offers.MATCH_OFFER_TASK`` and
``offers.CONFIRMATION_TASK``). The outbox itself publishes again what a broker or a worker
lost; this sweep is the last net, in the offer's own terms: an offer of the last
``OUTBOX_SWEEP_DAYS`` days, older than a few minutes, that has no finished, running or dead
matching job, or whose confirmation was never sent and has no running or dead job, gets the
job queued again. Safe to repeat: the outbox keeps one unfinished message per key, and both
tasks are idempotent.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from contactpoint import outbox
from contactpoint.models import OutboxMessage

from .models import Offer
from .offers import CONFIRMATION_TASK, MATCH_OFFER_TASK

# Younger offers are still in the normal path (just committed, being published).
GRACE = timedelta(minutes=5)


def match_key(offer_pk: int) -> str:
    return f"match-offer-{offer_pk}"


def confirmation_key(offer_pk: int) -> str:
    return f"offer-confirmation-{offer_pk}"


def _with_key(prefix: str):
    return Concat(Value(prefix), Cast("pk", CharField()), output_field=CharField())


def requeue_unfinished_offers(*, now=None) -> dict[str, int]:
    """Queue matching and confirmation again where they never happened; return the counts."""
    now = now or timezone.now()
    recent = Offer.objects.filter(
        created_at__gte=now - timedelta(days=settings.OUTBOX_SWEEP_DAYS),
        created_at__lt=now - GRACE,
    )
    never_matched = (
        recent.exclude(status=Offer.Status.WITHDRAWN)
        .annotate(job_key=_with_key("match-offer-"))
        .exclude(Exists(OutboxMessage.objects.filter(dedup_key=OuterRef("job_key"))))
        .values_list("pk", flat=True)
    )
    unconfirmed = (
        recent.filter(confirmation_sent_at__isnull=True)
        .exclude(status=Offer.Status.WITHDRAWN)
        .annotate(job_key=_with_key("offer-confirmation-"))
        .exclude(
            Exists(
                OutboxMessage.objects.filter(dedup_key=OuterRef("job_key")).filter(
                    Q(done_at__isnull=True) | Q(dead_at__isnull=False)
                )
            )
        )
        .values_list("pk", flat=True)
    )
    matched = confirmed = 0
    for pk in list(never_matched):
        outbox.enqueue(MATCH_OFFER_TASK, pk, dedup_key=match_key(pk))
        matched += 1
    for pk in list(unconfirmed):
        outbox.enqueue(CONFIRMATION_TASK, pk, dedup_key=confirmation_key(pk))
        confirmed += 1
    return {"matching": matched, "confirmation": confirmed}
