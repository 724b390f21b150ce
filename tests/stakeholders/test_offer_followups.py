"""After an offer: the confirmation is recorded only once sent, and the sweeper re-queues
offers never matched or never confirmed."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from contactpoint import outbox
from contactpoint.models import OutboxMessage
from stakeholders import followups
from stakeholders.models import Offer
from stakeholders.tasks import send_offer_confirmation
from tests.factories import OfferFactory
from tests.fixtures.mail import FlakyBackend

from .offer_support import form_data

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.fixtures.mail.FlakyBackend"
    FlakyBackend.calls = 0
    FlakyBackend.failures = 0
    yield FlakyBackend


def test_a_failed_send_records_nothing_and_the_retry_sends_once(flaky_mail):
    flaky_mail.failures = 2
    offer = OfferFactory()

    # Run as a worker would, with the task's automatic retries (eager: back to back).
    result = send_offer_confirmation.apply(args=[offer.pk])

    assert result.successful(), result.traceback
    assert flaky_mail.calls == 3
    assert len(mail.outbox) == 1
    offer.refresh_from_db()
    assert offer.confirmation_sent_at is not None


def test_a_send_that_keeps_failing_leaves_the_offer_unconfirmed(flaky_mail):
    flaky_mail.failures = 1000
    offer = OfferFactory()

    result = send_offer_confirmation.apply(args=[offer.pk])

    assert result.failed()
    assert isinstance(result.result, smtplib.SMTPException)
    assert flaky_mail.calls == send_offer_confirmation.max_retries + 1
    assert mail.outbox == []
    offer.refresh_from_db()
    assert offer.confirmation_sent_at is None


def _age(offer: Offer, minutes: int) -> None:
    Offer.objects.filter(pk=offer.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_the_sweeper_queues_again_offers_never_matched_or_confirmed(
    client, django_capture_on_commit_callbacks
):
    client.post("/offers/new/", form_data(), HTTP_ACCEPT_LANGUAGE="en")
    offer = Offer.objects.get()
    # The submission queued both jobs with the sweeper's keys: nothing to add while they run.
    assert set(OutboxMessage.objects.values_list("dedup_key", flat=True)) == {
        followups.match_key(offer.pk),
        followups.confirmation_key(offer.pk),
    }
    _age(offer, 30)
    assert followups.requeue_unfinished_offers() == {"matching": 0, "confirmation": 0}

    # Both jobs finished, the confirmation was sent: nothing to do either.
    for message in OutboxMessage.objects.all():
        outbox.mark_done(message.celery_task_id)
    Offer.objects.filter(pk=offer.pk).update(confirmation_sent_at=timezone.now())
    assert followups.requeue_unfinished_offers() == {"matching": 0, "confirmation": 0}

    # Jobs that never existed (an older offer, or a lost outbox row) are queued once.
    OutboxMessage.objects.all().delete()
    Offer.objects.filter(pk=offer.pk).update(confirmation_sent_at=None)
    assert followups.requeue_unfinished_offers() == {"matching": 1, "confirmation": 1}
    assert followups.requeue_unfinished_offers() == {"matching": 0, "confirmation": 0}
    assert OutboxMessage.objects.count() == 2


def test_the_sweeper_requeues_a_confirmation_whose_job_ended_without_sending():
    offer = OfferFactory()
    _age(offer, 30)
    done = OutboxMessage.objects.create(
        task_name="stakeholders.send_offer_confirmation",
        args=[offer.pk],
        dedup_key=followups.confirmation_key(offer.pk),
        sent_at=timezone.now(),
        done_at=timezone.now(),
    )
    OutboxMessage.objects.create(
        task_name="matching.match_offer",
        args=[offer.pk],
        dedup_key=followups.match_key(offer.pk),
        done_at=timezone.now(),
    )

    assert followups.requeue_unfinished_offers() == {"matching": 0, "confirmation": 1}
    assert (
        OutboxMessage.objects.exclude(pk=done.pk)
        .filter(dedup_key=followups.confirmation_key(offer.pk), done_at__isnull=True)
        .exists()
    )


def test_the_sweeper_leaves_dead_jobs_young_offers_and_withdrawn_offers_to_staff():
    dead = OfferFactory()
    _age(dead, 30)
    for key in (followups.match_key(dead.pk), followups.confirmation_key(dead.pk)):
        OutboxMessage.objects.create(
            task_name="x.y", dedup_key=key, dead_at=timezone.now(), last_error="failed"
        )
    OfferFactory()  # a minute old: still on its normal path
    withdrawn = OfferFactory(status=Offer.Status.WITHDRAWN)
    _age(withdrawn, 30)
    ancient = OfferFactory()
    _age(ancient, 60 * 24 * 30)

    assert followups.requeue_unfinished_offers() == {"matching": 0, "confirmation": 0}
