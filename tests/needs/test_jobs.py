"""Periodic jobs: need expiry and the weekly stale-need reminders."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from contactpoint.models import AuditEntry
from needs import services
from needs.models import Need, NeedReminder
from needs.tasks import expire_needs, remind_stale_needs
from tests.factories import DepartmentFactory, NeedFactory, UserFactory
from tests.fixtures.celery_worker import wait_for

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.timedelta(days=90)


def test_beat_runs_expiry_daily_and_reminders_weekly():
    # A transactional test may have flushed the rows the migration wrote: write them again
    # with the migration's own (idempotent) function.
    migration = importlib.import_module("needs.migrations.0003_beat_schedule")
    migration.create(django_apps, None)
    migration.create(django_apps, None)
    assert PeriodicTask.objects.filter(task__startswith="needs.").count() == 2

    expire = PeriodicTask.objects.get(name="Expire needs")
    assert expire.task == "needs.expire_needs"
    assert (expire.crontab.hour, expire.crontab.day_of_week) == ("1", "*")
    remind = PeriodicTask.objects.get(name="Stale need review reminders")
    assert remind.task == "needs.remind_stale_needs"
    assert remind.crontab.day_of_week == "1"


def test_reminder_lists_each_departments_stale_needs_to_its_members(
    member_x, department_x, settings
):
    settings.CONTACTPOINT_BASE_URL = "https://contactpoint.comune.example/"
    colleague = UserFactory(email="collega@comune.example")
    department_x.members.add(colleague)
    department_x.email = "dipartimento@comune.example"
    department_x.save()
    stale = NeedFactory(
        department=department_x, title="Banchi vecchi", last_reviewed_at=timezone.now() - LONG_AGO
    )
    NeedFactory(department=department_x, title="Appena rivisto")
    NeedFactory(
        department=department_x,
        title="Bozza dimenticata",
        status="draft",
        last_reviewed_at=timezone.now() - LONG_AGO,
    )
    other = DepartmentFactory()
    other.members.add(UserFactory(email="altro@comune.example"))

    assert services.remind_stale_needs() == 1

    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted(
        [member_x.email, "collega@comune.example", "dipartimento@comune.example"]
    )
    body = mail.outbox[0].body
    assert "Banchi vecchi" in body
    assert "Appena rivisto" not in body
    assert "Bozza dimenticata" not in body
    assert f"https://contactpoint.comune.example/workspace/needs/{stale.pk}/edit/" in body
    reminder = NeedReminder.objects.get()
    assert reminder.need_ids == [stale.pk]
    assert AuditEntry.objects.filter(action="needs.reminder.sent").count() == 1


def test_reminders_go_out_once_per_week(member_x, department_x):
    NeedFactory(department=department_x, last_reviewed_at=timezone.now() - LONG_AGO)
    monday = datetime.date(2027, 3, 1)

    assert services.remind_stale_needs(today=monday) == 1
    assert services.remind_stale_needs(today=monday + datetime.timedelta(days=3)) == 0
    assert len(mail.outbox) == 1

    assert services.remind_stale_needs(today=monday + datetime.timedelta(days=7)) == 1
    assert len(mail.outbox) == 2
    assert NeedReminder.objects.count() == 2


def test_a_failed_send_records_nothing_so_the_next_run_retries(member_x, department_x, settings):
    NeedFactory(department=department_x, last_reviewed_at=timezone.now() - LONG_AGO)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 1  # nothing listens there
    settings.EMAIL_TIMEOUT = 2

    with pytest.raises(OSError):
        services.remind_stale_needs()
    assert not NeedReminder.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.remind_stale_needs() == 1


def test_tasks_call_the_services():
    NeedFactory(wanted_by=timezone.localdate() - datetime.timedelta(days=1))
    assert expire_needs() == 1
    assert remind_stale_needs() == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_expiry_runs_on_a_real_worker(celery_worker_process):
    need = NeedFactory(wanted_by=timezone.localdate() - datetime.timedelta(days=2))

    expire_needs.delay()

    wait_for(lambda: Need.objects.get(pk=need.pk).status == Need.Status.EXPIRED)
