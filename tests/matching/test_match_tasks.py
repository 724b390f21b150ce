"""The matching jobs: queued through the outbox after commit, run on a real worker."""

from __future__ import annotations

import pytest
from django.db import transaction

from contactpoint import outbox
from matching import tasks
from matching.models import Match
from tests.factories import NeedFactory
from tests.fixtures.celery_worker import wait_for

from .engine_catalogue import build_catalogue, laptop_offer


# One worker test only: the session's worker caches content types, which a flush between
# transactional tests renumbers (reported to the lead: clear the cache before each task).
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_offers_and_needs_queued_after_commit_are_matched_by_the_worker(celery_worker_process):
    catalogue = build_catalogue()
    with transaction.atomic():
        offer = laptop_offer(catalogue)
        outbox.enqueue("matching.match_offer", offer.pk, dedup_key=f"match-offer-{offer.pk}")
        assert not Match.objects.filter(offer=offer).exists()

    first = wait_for(lambda: Match.objects.filter(offer=offer).order_by("-score").first())
    assert first.need_id == catalogue.needs["laptops"].pk

    # The reverse direction: a newly published need finds the offer already there.
    need = NeedFactory(
        title="Computer portatili per il centro di aggregazione giovanile",
        area=catalogue.areas["digital-poverty"],
    )
    with transaction.atomic():
        outbox.enqueue("matching.match_need", need.pk, dedup_key=f"match-need-{need.pk}")
    wait_for(lambda: Match.objects.filter(offer=offer, need=need).exists())


@pytest.mark.django_db
def test_tasks_return_quietly_when_the_row_is_gone():
    assert tasks.match_offer(987654) is None
    assert tasks.match_need(987654) is None
    assert tasks.rematch_offers([987654]) == 0


@pytest.mark.django_db
def test_the_bulk_rematch_task_is_idempotent():
    catalogue = build_catalogue()
    offers = [laptop_offer(catalogue) for _ in range(2)]

    assert tasks.rematch_offers() == 2
    count = Match.objects.count()
    assert tasks.rematch_offers([o.pk for o in offers]) == 2
    assert Match.objects.count() == count > 0
