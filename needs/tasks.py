"""Periodic jobs of the needs catalogue (scheduled by migration 0003, editable in the admin)."""

from celery import shared_task

from . import services


@shared_task(name="needs.expire_needs", time_limit=300, soft_time_limit=240)
def expire_needs() -> int:
    """Daily: public needs past their wanted-by date become expired."""
    return services.expire_needs()


@shared_task(name="needs.remind_stale_needs", time_limit=300, soft_time_limit=240)
def remind_stale_needs() -> int:
    """Weekly: e-mail each department its needs nobody reviewed lately (once per week)."""
    return services.remind_stale_needs()
