"""Fixed-window counters in PostgreSQL: one query to read, one atomic upsert to count.

Keys are short strings chosen by the caller (hash anything personal before passing it).
Expired counters are removed by ``purge_expired`` (the outbox relay's beat job calls it).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .models import RateLimitCounter


def window_index(length: int, *, now: float | None = None) -> int:
    return int((time.time() if now is None else now) // length)


def counts(keys: Sequence[str], *, length: int) -> dict[str, int]:
    """The current window's count of each key (0 when never counted)."""
    index = window_index(length)
    found = dict(
        RateLimitCounter.objects.filter(key__in=list(keys), window=index).values_list(
            "key", "count"
        )
    )
    return {key: found.get(key, 0) for key in keys}


def hit(keys: Sequence[str], *, length: int, with_caller: bool = False) -> None:
    """Count one event for each key in the current window (atomic under concurrency).

    ``with_caller``: in the caller's transaction, so the count commits or rolls back with
    the event it counts (call it last: the counter rows stay locked until the commit).
    Otherwise in a transaction of its own that does not wait for the disk.
    """
    if not keys:
        return
    index = window_index(length)
    expires = timezone.now() + timedelta(seconds=length + 60)
    table = RateLimitCounter._meta.db_table
    params: list[Any] = []
    for key in sorted(set(keys)):  # one order everywhere: concurrent upserts never deadlock
        params += [key, index, expires]
    rows = ", ".join(["(%s, %s, 1, %s)"] * (len(params) // 3))
    sql = (
        f'INSERT INTO "{table}" ("key", "window", "count", "expires_at") VALUES {rows} '  # noqa: S608
        f'ON CONFLICT ("key", "window") DO UPDATE SET "count" = "{table}"."count" + 1'
    )
    if with_caller:
        if not connection.in_atomic_block:
            raise RuntimeError("ratelimit.hit(with_caller=True) needs the caller's transaction")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # A counter lost in a database crash costs nothing: no need to wait for the disk.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(sql, params)


def purge_expired() -> int:
    deleted, _ = RateLimitCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
