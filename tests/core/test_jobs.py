"""Celery tasks run on a real worker process; the outbox never loses work."""

from __future__ import annotations

import pytest
from django.db import transaction
from kombu import Connection

from contactpoint import outbox
from contactpoint.models import OutboxMessage, WorkerHeartbeat
from contactpoint.tasks import heartbeat
from tests.fixtures.celery_worker import wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.worker
def test_task_sent_on_commit_runs_on_a_real_worker(celery_worker_process):
    with transaction.atomic():
        heartbeat.delay_on_commit("on-commit")
        assert not WorkerHeartbeat.objects.filter(name="on-commit").exists()
    beat = wait_for(lambda: WorkerHeartbeat.objects.filter(name="on-commit").first())
    assert beat.hostname


@pytest.mark.worker
def test_outbox_message_is_published_after_commit_and_executed(celery_worker_process):
    with transaction.atomic():
        outbox.enqueue("contactpoint.heartbeat", "from-outbox")
    wait_for(lambda: WorkerHeartbeat.objects.filter(name="from-outbox").exists())
    # The worker reports the task done: the message leaves the outbox.
    message = wait_for(lambda: OutboxMessage.objects.filter(done_at__isnull=False).first())
    assert message.sent_at is not None
    assert message.attempts == 1
    assert message.dead_at is None


def test_rolled_back_transaction_leaves_no_outbox_message():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("contactpoint.heartbeat", "never")
        raise RuntimeError("boom")
    assert OutboxMessage.objects.count() == 0


def test_broker_down_keeps_the_message_pending_and_the_relay_sends_it_later():
    down = Connection("redis://127.0.0.1:1/0", connect_timeout=0.5)
    with transaction.atomic():
        message = OutboxMessage.objects.create(task_name="contactpoint.heartbeat", args=["late"])
    assert outbox.relay_pending(connection=down) == 0
    message.refresh_from_db()
    assert message.sent_at is None
    assert message.attempts == 0  # counts publications only
    assert "Error" in message.last_error

    assert outbox.relay_pending() == 1
    message.refresh_from_db()
    assert message.sent_at is not None
    # A second relay finds nothing to send: the relay is idempotent.
    assert outbox.relay_pending() == 0


def test_enqueue_with_the_same_dedup_key_while_pending_records_one_message():
    down = Connection("redis://127.0.0.1:1/0", connect_timeout=0.5)
    with transaction.atomic():
        OutboxMessage.objects.create(task_name="contactpoint.heartbeat", dedup_key="k1")
        outbox.enqueue("contactpoint.heartbeat", dedup_key="k1")
    assert OutboxMessage.objects.filter(dedup_key="k1").count() == 1
    del down
