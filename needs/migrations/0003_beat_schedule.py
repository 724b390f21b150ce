from django.db import migrations

from contactpoint.schedules import ensure_crontab_task, remove_tasks

EXPIRE = "Expire needs"
REMIND = "Stale need review reminders"


def create(apps, schema_editor):
    # Every night: needs whose wanted-by date has passed leave the public catalogue.
    ensure_crontab_task(apps, name=EXPIRE, task="needs.expire_needs", minute="15", hour="1")
    # Monday morning: each department gets the list of its needs nobody reviewed lately.
    ensure_crontab_task(
        apps,
        name=REMIND,
        task="needs.remind_stale_needs",
        minute="0",
        hour="8",
        day_of_week="1",
    )


def remove(apps, schema_editor):
    remove_tasks(apps, EXPIRE, REMIND)


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0002_need_reminder"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
