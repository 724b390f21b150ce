from django.db import migrations

from contactpoint.schedules import ensure_crontab_task, remove_tasks

OPEN = "Survey: open due campaigns and close ended ones"
REMIND = "Survey: weekly reminders to non-respondents"


def create(apps, schema_editor):
    ensure_crontab_task(apps, name=OPEN, task="monitoring.open_due_surveys", minute="0", hour="6")
    ensure_crontab_task(
        apps, name=REMIND, task="monitoring.send_survey_reminders", minute="0", hour="10"
    )


def remove(apps, schema_editor):
    remove_tasks(apps, OPEN, REMIND)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_annual_survey"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
