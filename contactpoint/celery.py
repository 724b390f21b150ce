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
