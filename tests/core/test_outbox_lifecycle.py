"""A job leaves the outbox only when its task is done; lost ones come back, dead ones show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contactpoint import outbox
from contactpoint.audit import history_for
from contactpoint.models import OutboxMessage
from tests.factories import UserFactory, with_totp

pytestmark = [pytest.mark.django_db]


def _published(**fields) -> OutboxMessage:
    return OutboxMessage.objects.create(
        task_name="contactpoint.heartbeat", sent_at=timezone.now(), attempts=1, **fields
    )


def test_a_published_job_is_unfinished_until_its_task_reports_done():
    message = _published(args=["a"])
    assert outbox.counts().in_flight == 1

    outbox.mark_done(message.celery_task_id)

    message.refresh_from_db()
    assert message.done_at is not None
    assert outbox.counts() == outbox.OutboxCounts(pending=0, in_flight=0, failing=0, dead=0)


def test_task_ids_outside_the_outbox_are_ignored():
    message = _published()
    for task_id in (None, "", "celery-1234", "outbox-abc", f"outbox-{message.pk + 1}"):
        outbox.mark_done(task_id)
        outbox.mark_dead(task_id, RuntimeError("x"))
    message.refresh_from_db()
    assert message.done_at is None
    assert message.dead_at is None


def test_a_retrying_task_shows_as_failing_and_a_task_that_gave_up_as_dead():
    retrying = _published()
    gave_up = _published()

    outbox.mark_failing(retrying.celery_task_id, ConnectionRefusedError("smtp down"))
    outbox.mark_dead(gave_up.celery_task_id, ValueError("bad data"))

    assert outbox.counts() == outbox.OutboxCounts(pending=0, in_flight=1, failing=1, dead=1)
    retrying.refresh_from_db()
    assert "smtp down" in retrying.last_error


def test_a_job_the_broker_lost_is_published_again_and_dead_after_the_last_attempt(settings):
    settings.OUTBOX_REDELIVER_AFTER = 600
    settings.OUTBOX_MAX_ATTEMPTS = 3
    long_ago = timezone.now() - timedelta(seconds=601)
    lost = _published(args=["lost"])
    OutboxMessage.objects.filter(pk=lost.pk).update(sent_at=long_ago)
    worn_out = _published(args=["worn"])
    OutboxMessage.objects.filter(pk=worn_out.pk).update(sent_at=long_ago, attempts=3)
    running = _published(args=["running"])  # published a moment ago: left alone

    assert outbox.redeliver_stale() == (1, 1)

    lost.refresh_from_db()
    worn_out.refresh_from_db()
    running.refresh_from_db()
    assert lost.sent_at is None and lost.dead_at is None  # pending again: the relay sends it
    assert worn_out.dead_at is not None
    assert running.sent_at is not None and running.dead_at is None
    assert outbox.counts() == outbox.OutboxCounts(pending=1, in_flight=1, failing=0, dead=1)
    # Sent again by the relay (the broker of the test run is up).
    assert outbox.relay_pending() == 1
    lost.refresh_from_db()
    assert lost.attempts == 2


def test_the_same_work_is_not_queued_twice_while_unfinished_but_again_once_done(
    django_capture_on_commit_callbacks,
):
    outbox.enqueue("contactpoint.heartbeat", dedup_key="k")
    outbox.enqueue("contactpoint.heartbeat", dedup_key="k")
    assert OutboxMessage.objects.filter(dedup_key="k").count() == 1

    first = OutboxMessage.objects.get(dedup_key="k")
    outbox.mark_done(first.celery_task_id)
    outbox.enqueue("contactpoint.heartbeat", dedup_key="k")
    assert OutboxMessage.objects.filter(dedup_key="k").count() == 2


def test_staff_retry_a_dead_job_with_a_fresh_count_and_an_audit_entry():
    dead = _published(dead_at=timezone.now(), last_error="failed: boom")
    staff = UserFactory(is_staff=True, is_superuser=True)

    assert outbox.retry_dead(pks=[dead.pk], actor=staff) == 1

    dead.refresh_from_db()
    assert dead.dead_at is None and dead.sent_at is None and dead.attempts == 0
    assert history_for(dead).get().action == "contactpoint.outbox.retried"
    assert outbox.retry_dead(pks=[dead.pk], actor=staff) == 0  # not dead any more


def test_health_counts_pending_running_failing_and_dead_jobs(client):
    OutboxMessage.objects.create(task_name="contactpoint.heartbeat", last_error="publish: down")
    _published()
    _published(dead_at=timezone.now(), last_error="failed: boom")
    _published(done_at=timezone.now())

    body = client.get("/health/").json()

    assert body["outbox"] == {"pending": 1, "in_flight": 1, "failing": 1, "dead": 1}


def test_the_admin_lists_the_outbox_with_its_counts_and_filters_dead_jobs(client):
    _published(dead_at=timezone.now(), last_error="failed: boom")
    _published(done_at=timezone.now())
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(with_totp(admin))

    response = client.get(
        "/admin/contactpoint/outboxmessage/?state=dead", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Dead: 1" in page
    assert "failed: boom" in page
    assert response.context["cl"].result_count == 1
