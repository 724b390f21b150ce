import socket

from celery import shared_task
from django.utils import timezone

from . import outbox, ratelimit
from .models import WorkerHeartbeat


@shared_task(name="contactpoint.relay_outbox", time_limit=120, soft_time_limit=100)
def relay_outbox() -> int:
    """Publish outbox messages that missed their immediate send (broker was down) or were
    lost on the way; also drop expired rate-limit counters."""
    ratelimit.purge_expired()
    return outbox.relay_pending()


@shared_task(name="contactpoint.heartbeat", time_limit=30, soft_time_limit=20)
def heartbeat(name: str = "worker") -> str:
    """Record that a worker is alive; /health/ reports the time of the last beat."""
    WorkerHeartbeat.objects.update_or_create(
        name=name[:50], defaults={"seen_at": timezone.now(), "hostname": socket.gethostname()}
    )
    return name
