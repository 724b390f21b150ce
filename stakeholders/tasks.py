"""Jobs of the offer intake. Queued through the outbox by the services, by name."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="stakeholders.send_offer_confirmation", time_limit=60, soft_time_limit=50)
def send_offer_confirmation(offer_id: int) -> bool:
    """E-mail the submitter their private tracking link, once.

    The offer row stays locked while the e-mail goes out and is marked sent only after the
    mail server accepted it: a duplicated task waits for the lock and then finds it sent; a
    failed send marks nothing and retries (transient errors, see ``PortalTask``); a worker
    killed mid-send leaves the offer unsent, and the message, acknowledged late, runs again.
    """
    from . import emails
    from .models import Offer

    with transaction.atomic():
        offer = (
            Offer.objects.select_for_update(of=("self",))
            .select_related("organisation", "contact", "need")
            .filter(pk=offer_id)
            .first()
        )
        if offer is None or offer.confirmation_sent_at is not None:
            return False  # gone, or already sent
        emails.send_offer_confirmation(offer=offer)
        Offer.objects.filter(pk=offer_id).update(confirmation_sent_at=timezone.now())
    return True


@shared_task(name="stakeholders.requeue_unfinished_offers", time_limit=300, soft_time_limit=240)
def requeue_unfinished_offers() -> dict[str, int]:
    """Beat, every 10 minutes: queue again offers never matched or never confirmed."""
    from . import followups

    return followups.requeue_unfinished_offers()


@shared_task(
    name="stakeholders.send_erasure_request_notice",
    time_limit=60,
    soft_time_limit=50,
)
def send_erasure_request_notice(erasure_id: int) -> bool:
    """Tell the contact point's address that a stakeholder asked for erasure."""
    from . import emails
    from .models import ErasureRequest

    erasure = ErasureRequest.objects.filter(pk=erasure_id).first()
    if erasure is None:
        return False
    emails.send_erasure_request_notice(erasure=erasure)
    return True


@shared_task(name="stakeholders.run_import_job", time_limit=1800, soft_time_limit=1750)
def run_import_job(job_id: str) -> str | None:
    """Run an admin import on the worker; a second delivery of the same job does nothing."""
    from . import import_jobs

    job = import_jobs.run_import(job_id=job_id)
    return job.status if job is not None else None


@shared_task(name="stakeholders.send_retention_warning", time_limit=60, soft_time_limit=50)
def send_retention_warning(notice_id: int) -> bool:
    """E-mail an inactive contact the warning with their "keep my data" link, once."""
    from . import retention

    return retention.send_warning(notice_id=notice_id)


@shared_task(name="stakeholders.apply_contact_retention", time_limit=1800, soft_time_limit=1750)
def apply_contact_retention() -> dict[str, int]:
    """Beat, daily: warn the newly inactive contacts, anonymise those still inactive."""
    from . import retention

    return retention.apply_retention()
