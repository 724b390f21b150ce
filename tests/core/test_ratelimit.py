"""Rate-limit counters in PostgreSQL: atomic under concurrency, per window, purged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contactpoint import ratelimit
from contactpoint.models import RateLimitCounter
from tests.fixtures.threads import all_at_once


@pytest.mark.django_db
def test_hits_are_counted_per_key_in_the_current_window():
    ratelimit.hit(["a", "b"], length=60)
    ratelimit.hit(["a"], length=60)

    assert ratelimit.counts(["a", "b", "c"], length=60) == {"a": 2, "b": 1, "c": 0}
    # Another window length is another window index: counted apart.
    assert ratelimit.counts(["a"], length=7) == {"a": 0}


@pytest.mark.django_db
def test_expired_counters_are_purged():
    ratelimit.hit(["old"], length=60)
    RateLimitCounter.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    ratelimit.hit(["new"], length=60)

    assert ratelimit.purge_expired() == 1
    assert list(RateLimitCounter.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_from_many_connections_are_all_counted():
    def hammer(_n: int) -> None:
        for _ in range(10):
            ratelimit.hit(["shared", "other"], length=3600)

    assert all_at_once(hammer, 8) == []
    assert ratelimit.counts(["shared", "other"], length=3600) == {"shared": 80, "other": 80}
