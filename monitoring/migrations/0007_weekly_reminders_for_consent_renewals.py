from django.conf import settings
from django.db import migrations, models

from contactpoint.schedules import ensure_crontab_task, remove_tasks

CONSENTS = "Monitoring: consents to renew"


def create(apps, schema_editor):
    ensure_crontab_task(
        apps,
        name=CONSENTS,
        task="monitoring.remind_consent_renewals",
        minute="30",
        hour="8",
        day_of_week="1",
    )


def remove(apps, schema_editor):
    remove_tasks(apps, CONSENTS)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0006_beneficiary_confirmation_email"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="impactreminder", name="impact_reminder_once_a_week"),
        migrations.RenameModel(old_name="ImpactReminder", new_name="WeeklyReminder"),
        migrations.AddField(
            model_name="weeklyreminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("impact", "Collaborations missing impact data"),
                    ("consent", "Consents to renew"),
                ],
                default="impact",
                max_length=12,
            ),
        ),
        migrations.AlterModelOptions(
            name="weeklyreminder",
            options={"verbose_name": "weekly reminder", "verbose_name_plural": "weekly reminders"},
        ),
        migrations.AddConstraint(
            model_name="weeklyreminder",
            constraint=models.UniqueConstraint(
                fields=("kind", "manager", "week"), name="weekly_reminder_once_a_week"
            ),
        ),
        migrations.RunPython(create, remove),
    ]
