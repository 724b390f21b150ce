"""Jobs of the vademecum. Queued through the outbox by the services, by name."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name=services.RENDER_TASK, time_limit=120, soft_time_limit=100)
def render_agreement(agreement_id: int) -> bool:
    """Render an agreement's PDF; quiet when the agreement is gone or already rendered."""
    agreement = services.render_agreement(agreement_id=agreement_id)
    return agreement is not None
