"""Monitoring jobs (schedules in django-celery-beat, editable in the admin)."""

from celery import shared_task


@shared_task(name="monitoring.remind_missing_impact_data", time_limit=600, soft_time_limit=550)
def remind_missing_impact_data() -> int:
    """Weekly: tell account managers which collaborations still lack impact data."""
    from . import services

    return services.send_missing_impact_reminders()
