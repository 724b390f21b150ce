"""The Celery application shared by web, worker and beat.

Tasks subclass ``PortalTask`` (Celery's ``DjangoTask``, so ``task.delay_on_commit(...)``
queues after the current transaction commits). Work that must never be lost goes through
the outbox (``contactpoint.outbox.enqueue``), which learns here when its task is done.
"""

import os
import smtplib

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.signals import task_failure, task_retry, task_success
from django.db.utils import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings")

# Errors that pass by themselves: the database restarting or out of connections, the mail
# server or the network down. A task that meets one tries again later, waiting longer each
# time (5 s, 10 s, 20 s ... at most 5 minutes, with jitter).
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    smtplib.SMTPException,
    ConnectionError,
    TimeoutError,
)


class PortalTask(DjangoTask):
    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 5
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 8


app = Celery("contactpoint", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_success.connect(weak=False)
def _outbox_task_done(sender=None, **_kwargs):
    from . import outbox

    outbox.mark_done(sender.request.id if sender is not None else None)


@task_retry.connect(weak=False)
def _outbox_task_retrying(request=None, reason=None, **_kwargs):
    from . import outbox

    outbox.mark_failing(getattr(request, "id", None), reason)


@task_failure.connect(weak=False)
def _outbox_task_failed(task_id=None, exception=None, **_kwargs):
    from . import outbox

    outbox.mark_dead(task_id, exception)


@app.on_after_configure.connect
def _setup_test_worker(sender, **kwargs):  # pragma: no cover - exercised by worker tests
    from celery.signals import task_prerun
    from django.conf import settings

    if settings.ENVIRONMENT != "test":
        return

    @task_prerun.connect(weak=False)
    def _fresh_content_types(**_kwargs):
        # Transactional tests empty and refill the database between tests, so content
        # types come back with new ids; a long-lived test worker must not cache old ones.
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
