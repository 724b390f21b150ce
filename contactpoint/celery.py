"""The Celery application shared by web, worker and beat.

Tasks subclass Celery's ``DjangoTask`` so ``task.delay_on_commit(...)`` queues after the
current transaction commits. Work that must never be lost goes through the outbox
(``contactpoint.outbox.enqueue``) instead.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings")

app = Celery("contactpoint", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
