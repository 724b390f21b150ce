from django.db import migrations

from contactpoint.schedules import ensure_interval_task, remove_tasks


def create(apps, schema_editor):
    ensure_interval_task(
        apps, name="Relay the outbox", task="contactpoint.relay_outbox", every=60
    )
    ensure_interval_task(
        apps, name="Worker heartbeat", task="contactpoint.heartbeat", every=60
    )


def remove(apps, schema_editor):
    remove_tasks(apps, "Relay the outbox", "Worker heartbeat")


class Migration(migrations.Migration):
    dependencies = [
        ("contactpoint", "0003_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
