"""Jobs of the offer intake. Queued through the outbox by the services, by name."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(
    name="stakeholders.send_offer_confirmation",
    time_limit=60,
    soft_time_limit=50,
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
)
def send_offer_confirmation(offer_id: int) -> bool:
    """E-mail the submitter their private tracking link, once.

    The offer is claimed with a conditional UPDATE before sending, so a redelivered or
    duplicated task sends nothing; a failed send releases the claim and retries.
    """
    from . import emails
    from .models import Offer

    claimed = Offer.objects.filter(pk=offer_id, confirmation_sent_at__isnull=True).update(
        confirmation_sent_at=timezone.now()
    )
    if not claimed:
        return False  # gone, or already sent
    offer = Offer.objects.select_related("organisation", "contact", "need").get(pk=offer_id)
    try:
        emails.send_offer_confirmation(offer=offer)
    except Exception:
        Offer.objects.filter(pk=offer_id).update(confirmation_sent_at=None)
        logger.warning("offer %s: confirmation e-mail failed", offer_id, exc_info=True)
        raise
    return True


@shared_task(
    name="stakeholders.send_erasure_request_notice",
    time_limit=60,
    soft_time_limit=50,
    autoretry_for=(OSError,),
    retry_backoff=30,
    max_retries=5,
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
