from django.db import migrations

from contactpoint.schedules import ensure_crontab_task, remove_tasks
from monitoring.indicators import PLAN_INDICATORS, load

MISSING_IMPACT = "Monitoring: collaborations missing impact data"


def create(apps, schema_editor):
    load(apps.get_model("monitoring", "Indicator"))
    ensure_crontab_task(
        apps,
        name=MISSING_IMPACT,
        task="monitoring.remind_missing_impact_data",
        minute="0",
        hour="8",
        day_of_week="1",
    )


def remove(apps, schema_editor):
    remove_tasks(apps, MISSING_IMPACT)
    apps.get_model("monitoring", "Indicator").objects.filter(
        code__in=[row["code"] for row in PLAN_INDICATORS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_impact_records_indicators_training"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
