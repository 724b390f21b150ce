"""The outbox: Celery work recorded in the same transaction as the data it follows.

``enqueue`` writes an ``OutboxMessage`` in the current transaction and, once it commits,
tries to publish it at once. If the broker is down the message stays pending and the relay
(``relay_pending``, run by beat every minute and by ``manage.py relay_outbox``) sends it
later. Publishing is idempotent: a message is claimed with ``SELECT ... FOR UPDATE SKIP
LOCKED`` and marked sent in the same transaction, and carries a stable Celery task id.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH_SIZE = 100


def enqueue(task_name: str, *args: Any, dedup_key: str | None = None, **kwargs: Any) -> None:
    """Record ``task_name(*args, **kwargs)`` to run after the current transaction commits."""
    with transaction.atomic():
        if dedup_key is not None:
            try:
                with transaction.atomic():
                    message = OutboxMessage.objects.create(
                        task_name=task_name, args=list(args), kwargs=kwargs, dedup_key=dedup_key
                    )
            except IntegrityError:
                return  # the same work is already waiting to be sent
        else:
            message = OutboxMessage.objects.create(
                task_name=task_name, args=list(args), kwargs=kwargs
            )
        pk = message.pk
        transaction.on_commit(lambda: _publish_quietly(pk))


def _publish_quietly(pk: int) -> None:
    try:
        relay_pending(only_pk=pk)
    except Exception:  # the relay will retry; the request that queued this must not fail
        logger.warning("outbox: publishing message %s failed, it stays pending", pk, exc_info=True)


def relay_pending(*, only_pk: int | None = None, connection: Any = None) -> int:
    """Publish pending messages; return how many were sent. Safe to run concurrently."""
    sent = 0
    while True:
        with transaction.atomic():
            pending = OutboxMessage.objects.filter(sent_at__isnull=True).order_by(
                "created_at", "pk"
            )
            if only_pk is not None:
                pending = pending.filter(pk=only_pk)
            batch = list(pending.select_for_update(skip_locked=True)[:BATCH_SIZE])
            if not batch:
                return sent
            failed = False
            for message in batch:
                try:
                    _publish(message, connection=connection)
                except Exception as exc:  # broker down or unreachable
                    OutboxMessage.objects.filter(pk=message.pk).update(
                        attempts=message.attempts + 1, last_error=repr(exc)[:2000]
                    )
                    failed = True
                    break
                OutboxMessage.objects.filter(pk=message.pk).update(
                    sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
                )
                sent += 1
        if failed or only_pk is not None or len(batch) < BATCH_SIZE:
            return sent


def _publish(message: OutboxMessage, *, connection: Any = None) -> None:
    current_app.send_task(
        message.task_name,
        args=message.args,
        kwargs=message.kwargs,
        task_id=message.celery_task_id,
        retry=False,
        connection=connection,
    )


def pending_count() -> int:
    return OutboxMessage.objects.filter(sent_at__isnull=True).count()
