"""The outbox: Celery work recorded in the same transaction as the data it follows.

``enqueue`` writes an ``OutboxMessage`` in the current transaction and, once it commits,
tries to publish it at once. If the broker is down the message stays pending and the relay
(``relay_pending``, run by beat every minute and by ``manage.py relay_outbox``) sends it
later. Publishing is idempotent: a message is claimed with ``SELECT ... FOR UPDATE SKIP
LOCKED`` and marked published in the same transaction, and carries a stable Celery task id.

A message leaves the outbox only when its task reports success (``mark_done``, called by
the worker through Celery's signals, see ``contactpoint.celery``). One handed to a broker
that lost it, or to a worker that died, is published again after
``OUTBOX_REDELIVER_AFTER`` seconds (tasks are idempotent by their key); after
``OUTBOX_MAX_ATTEMPTS`` publications, or when its task gave up retrying, it is dead and
waits for staff (admin action "Retry").
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import Count, F, Q
from django.utils import timezone

from .audit import log_action
from .models import TASK_ID_PREFIX, OutboxMessage

logger = logging.getLogger(__name__)

BATCH_SIZE = 100

PENDING = Q(sent_at__isnull=True, dead_at__isnull=True)
IN_FLIGHT = Q(sent_at__isnull=False, done_at__isnull=True, dead_at__isnull=True)
UNFINISHED = Q(done_at__isnull=True, dead_at__isnull=True)
DEAD = Q(dead_at__isnull=False)


def enqueue(task_name: str, *args: Any, dedup_key: str | None = None, **kwargs: Any) -> None:
    """Record ``task_name(*args, **kwargs)`` to run after the current transaction commits.

    With ``dedup_key``, nothing is recorded while a message with the same key is unfinished.
    """
    with transaction.atomic():
        if dedup_key is not None:
            try:
                with transaction.atomic():
                    message = OutboxMessage.objects.create(
                        task_name=task_name, args=list(args), kwargs=kwargs, dedup_key=dedup_key
                    )
            except IntegrityError:
                return  # the same work is already waiting or running
        else:
            message = OutboxMessage.objects.create(
                task_name=task_name, args=list(args), kwargs=kwargs
            )
        _queued.pks.append(message.pk)
        transaction.on_commit(_publish_queued)


def enqueue_new(messages: list[tuple[str, tuple[Any, ...], str]]) -> None:
    """Record ``(task_name, args, dedup_key)`` messages about a row created in the current
    transaction, in one INSERT, to run after it commits.

    No earlier message can hold their keys (the row did not exist), so there is nothing to
    deduplicate; a clash would be a bug and rolls the whole transaction back.
    """
    if not db_connection.in_atomic_block:
        raise RuntimeError("outbox.enqueue_new must run inside the row's transaction")
    created = OutboxMessage.objects.bulk_create(
        OutboxMessage(task_name=task_name, args=list(args), kwargs={}, dedup_key=dedup_key)
        for task_name, args, dedup_key in messages
    )
    _queued.pks.extend(message.pk for message in created)
    transaction.on_commit(_publish_queued)


class _Queued(threading.local):
    def __init__(self) -> None:
        self.pks: list[int] = []


# Messages enqueued by this thread since the last publication. The first on-commit callback
# publishes them all at once (one claim, one update); a message whose transaction rolled
# back is simply not found.
_queued = _Queued()


def _publish_queued() -> None:
    pks, _queued.pks = _queued.pks, []
    if not pks:
        return
    try:
        relay_pending(only_pks=pks)
    except Exception:  # the relay will retry; the request that queued this must not fail
        logger.warning("outbox: publishing %s failed, they stay pending", pks, exc_info=True)


def relay_pending(*, only_pks: list[int] | None = None, connection: Any = None) -> int:
    """Publish pending messages; return how many were sent. Safe to run concurrently.

    A full run (no ``only_pks``) first puts back in the queue the messages whose task never
    reported done (``redeliver_stale``).
    """
    if only_pks is None:
        redeliver_stale()
    sent = 0
    while True:
        with transaction.atomic():
            pending = OutboxMessage.objects.filter(PENDING).order_by("created_at", "pk")
            if only_pks is not None:
                pending = pending.filter(pk__in=only_pks)
            batch = list(pending.select_for_update(skip_locked=True)[:BATCH_SIZE])
            if not batch:
                return sent
            published: list[int] = []
            failed = False
            for message in batch:
                try:
                    _publish(message, connection=connection)
                except Exception as exc:  # broker down or unreachable
                    OutboxMessage.objects.filter(pk=message.pk).update(
                        last_error=f"publish: {exc!r}"[:2000]
                    )
                    failed = True
                    break
                published.append(message.pk)
            if published:
                # Losing this mark in a database crash only means publishing again (tasks
                # are idempotent): the request need not wait for the disk.
                with db_connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                OutboxMessage.objects.filter(pk__in=published).update(
                    sent_at=timezone.now(), attempts=F("attempts") + 1
                )
            sent += len(published)
        if failed or only_pks is not None or len(batch) < BATCH_SIZE:
            return sent


def _publish(message: OutboxMessage, *, connection: Any = None) -> None:
    current_app.send_task(
        message.task_name,
        args=message.args,
        kwargs=message.kwargs,
        task_id=message.celery_task_id,
        retry=False,
        ignore_result=True,
        connection=connection,
    )


def redeliver_stale(*, now: Any = None) -> tuple[int, int]:
    """Published messages whose task never reported done within ``OUTBOX_REDELIVER_AFTER``
    seconds: publish them again, or declare them dead after ``OUTBOX_MAX_ATTEMPTS``
    publications. Returns ``(put back, dead)``."""
    now = now or timezone.now()
    stale = OutboxMessage.objects.filter(
        IN_FLIGHT, sent_at__lt=now - timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER)
    )
    dead = stale.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).update(
        dead_at=now, last_error="never reported done after the last publication"
    )
    again = stale.filter(attempts__lt=settings.OUTBOX_MAX_ATTEMPTS).update(sent_at=None)
    if dead:
        logger.error(
            "outbox: %s message(s) dead after %s attempts", dead, settings.OUTBOX_MAX_ATTEMPTS
        )
    if again:
        logger.warning("outbox: %s message(s) never reported done, publishing again", again)
    return again, dead


# --- Reports from the worker ------------------------------------------------------------


def message_pk(task_id: str | None) -> int | None:
    """The outbox message a Celery task id belongs to, if any."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    try:
        return int(task_id[len(TASK_ID_PREFIX) :])
    except ValueError:
        return None


def mark_done(task_id: str | None) -> None:
    """The task of this message finished: it leaves the outbox."""
    pk = message_pk(task_id)
    if pk is not None:
        OutboxMessage.objects.filter(pk=pk, done_at__isnull=True).update(
            done_at=timezone.now(), dead_at=None, last_error=""
        )


def mark_failing(task_id: str | None, error: Any) -> None:
    """The task failed and will retry by itself: keep the reason where staff see it."""
    pk = message_pk(task_id)
    if pk is not None:
        OutboxMessage.objects.filter(pk=pk, done_at__isnull=True).update(
            last_error=f"retrying: {error!r}"[:2000]
        )


def mark_dead(task_id: str | None, error: Any) -> None:
    """The task gave up (out of retries, or an error retrying cannot mend)."""
    pk = message_pk(task_id)
    if pk is not None:
        updated = OutboxMessage.objects.filter(pk=pk, done_at__isnull=True).update(
            dead_at=timezone.now(), last_error=f"failed: {error!r}"[:2000]
        )
        if updated:
            logger.error("outbox: message %s is dead: %r", pk, error)


# --- Staff ----------------------------------------------------------------------------


def retry_dead(*, pks: list[int] | None = None, actor: Any = None) -> int:
    """Put dead messages back in the queue with a fresh count of attempts (audited)."""
    dead = OutboxMessage.objects.filter(DEAD, done_at__isnull=True)
    if pks is not None:
        dead = dead.filter(pk__in=pks)
    retried = 0
    for message in dead:
        try:
            with transaction.atomic():
                OutboxMessage.objects.filter(pk=message.pk).update(
                    dead_at=None, sent_at=None, attempts=0
                )
                log_action(
                    actor=actor,
                    action="contactpoint.outbox.retried",
                    obj=message,
                    payload={"task": message.task_name, "last_error": message.last_error[:500]},
                )
        except IntegrityError:
            continue  # the same work was queued again meanwhile
        retried += 1
    return retried


@dataclass(frozen=True)
class OutboxCounts:
    pending: int  # waiting for the broker
    in_flight: int  # published, task not finished yet
    failing: int  # unfinished, with an error (publishing or the task's own retries)
    dead: int  # given up, waiting for staff

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def counts() -> OutboxCounts:
    """One query: how much work waits, runs, fails and is dead."""
    row = OutboxMessage.objects.aggregate(
        pending=Count("pk", filter=PENDING),
        in_flight=Count("pk", filter=IN_FLIGHT),
        failing=Count("pk", filter=UNFINISHED & ~Q(last_error="")),
        dead=Count("pk", filter=DEAD),
    )
    return OutboxCounts(**row)


def pending_count() -> int:
    return OutboxMessage.objects.filter(PENDING).count()
