"""The consent wording in use since November 2026, stored as version 2026-11 of each
purpose; consents already given on that version point at it."""

from __future__ import annotations

from django.db import migrations

from stakeholders.consent_seed import VERSION, ensure_consent_texts


def seed(apps, schema_editor):
    ensure_consent_texts(
        apps.get_model("stakeholders", "ConsentText"), apps.get_model("stakeholders", "Consent")
    )


def unseed(apps, schema_editor):
    apps.get_model("stakeholders", "Consent").objects.update(text=None)
    apps.get_model("stakeholders", "ConsentText").objects.filter(version=VERSION).delete()


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0009_privacy_consent_texts_erasure_retention")]

    operations = [migrations.RunPython(seed, unseed)]
