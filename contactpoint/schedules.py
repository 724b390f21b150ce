"""Helpers for migrations that put periodic jobs in django-celery-beat's tables.

Schedules live in the database so staff can change or pause them in the admin; a migration
only creates them when missing and never overwrites an edited one.
"""

from __future__ import annotations

import json
from typing import Any


def ensure_interval_task(
    apps: Any, *, name: str, task: str, every: int, period: str = "seconds", kwargs: Any = None
) -> None:
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
    PeriodicTask.objects.get_or_create(
        name=name,
        defaults={"task": task, "interval": interval, "kwargs": json.dumps(kwargs or {})},
    )


def ensure_crontab_task(
    apps: Any,
    *,
    name: str,
    task: str,
    minute: str = "0",
    hour: str = "*",
    day_of_week: str = "*",
    day_of_month: str = "*",
    month_of_year: str = "*",
    kwargs: Any = None,
) -> None:
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_week=day_of_week,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        timezone="Europe/Rome",
    )
    PeriodicTask.objects.get_or_create(
        name=name,
        defaults={"task": task, "crontab": crontab, "kwargs": json.dumps(kwargs or {})},
    )


def remove_tasks(apps: Any, *names: str) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()
