"""Monitoring jobs (schedules in django-celery-beat, editable in the admin)."""

from celery import shared_task


@shared_task(name="monitoring.remind_missing_impact_data", time_limit=600, soft_time_limit=550)
def remind_missing_impact_data() -> int:
    """Weekly: tell account managers which collaborations still lack impact data."""
    from . import services

    return services.send_missing_impact_reminders()


@shared_task(name="monitoring.remind_consent_renewals", time_limit=600, soft_time_limit=550)
def remind_consent_renewals() -> int:
    """Weekly: tell relationship owners which contacts should renew their consent."""
    from . import services

    return services.send_consent_renewal_reminders()


@shared_task(name="monitoring.open_due_surveys", time_limit=600, soft_time_limit=550)
def open_due_surveys() -> list[int]:
    """Daily: open the survey campaigns whose date has come (invitations are queued), close
    those past their end."""
    from . import surveys

    return surveys.open_due_campaigns()


@shared_task(name="monitoring.send_survey_invitations", time_limit=900, soft_time_limit=850)
def send_survey_invitations(campaign_id: int) -> int:
    """One batch of invitations of an open campaign (nothing when all are sent)."""
    from . import surveys

    return surveys.send_invitation_batch(campaign_id=campaign_id)


@shared_task(name="monitoring.send_survey_reminders", time_limit=1800, soft_time_limit=1700)
def send_survey_reminders() -> int:
    """Daily: remind non-respondents whose last message is a week old (per campaign)."""
    from . import surveys

    return surveys.send_reminders()


@shared_task(name="monitoring.send_confirmation_request", time_limit=120, soft_time_limit=100)
def send_confirmation_request(collaboration_id: int) -> bool:
    """E-mail the beneficiary the private link to confirm a delivery (once per link)."""
    from . import services

    return services.send_confirmation_request(collaboration_id=collaboration_id)
