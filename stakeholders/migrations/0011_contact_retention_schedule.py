from django.db import migrations

from contactpoint.schedules import ensure_crontab_task, remove_tasks

RETENTION = "Stakeholders: retention of inactive contacts"


def create(apps, schema_editor):
    ensure_crontab_task(
        apps, name=RETENTION, task="stakeholders.apply_contact_retention", minute="15", hour="3"
    )


def remove(apps, schema_editor):
    remove_tasks(apps, RETENTION)


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0010_seed_consent_texts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
