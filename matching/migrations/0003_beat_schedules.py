from django.db import migrations

from contactpoint.schedules import ensure_crontab_task, remove_tasks

DIGEST = "Matches: daily digest for account managers"
SLA = "Matches: first-contact reminders and escalations"


def create(apps, schema_editor):
    # Working days only; the tasks also skip holidays (Holiday table).
    ensure_crontab_task(
        apps, name=DIGEST, task="matching.send_daily_digests", minute="30", hour="7",
        day_of_week="1-5",
    )
    ensure_crontab_task(
        apps, name=SLA, task="matching.send_sla_reminders", minute="0", hour="9",
        day_of_week="1-5",
    )


def remove(apps, schema_editor):
    remove_tasks(apps, DIGEST, SLA)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0002_workflow_fields"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
