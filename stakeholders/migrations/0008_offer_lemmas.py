"""Lemmas in the offers' search document (``needs.language``), written for existing offers.

The search vector is a generated column: PostgreSQL cannot change its expression in place,
so it is dropped and added again (with its indexes) after the lemmas are written.
"""

import django.contrib.postgres.search
from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

BATCH = 2000

OPEN_INDEX = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN
        CREATE INDEX IF NOT EXISTS matching_offer_open_search_idx
            ON stakeholders_offer USING gin (resource_kind, search_vector)
            WHERE status IN ('submitted', 'in_review', 'matched', 'in_progress');
    END IF;
END
$$;
"""


def write_lemmas(apps, schema_editor):
    from needs.language import offer_lemmas

    Offer = apps.get_model("stakeholders", "Offer")
    batch = []
    for offer in Offer.objects.only("id", "title", "description").order_by("id").iterator(
        chunk_size=BATCH
    ):
        lemmas = offer_lemmas(title=offer.title, description=offer.description)
        offer.title_lemmas = lemmas.title_lemmas
        offer.text_lemmas = lemmas.text_lemmas
        batch.append(offer)
        if len(batch) >= BATCH:
            Offer.objects.bulk_update(batch, ["title_lemmas", "text_lemmas"])
            batch = []
    Offer.objects.bulk_update(batch, ["title_lemmas", "text_lemmas"])


def search_vector():
    S = django.contrib.postgres.search
    return models.GeneratedField(
        db_persist=True,
        expression=S.CombinedSearchVector(
            S.SearchVector("title", "title_lemmas", config="italian_unaccent", weight="A"),
            "||",
            S.SearchVector("description", "text_lemmas", config="italian_unaccent", weight="B"),
            S.SearchConfig("italian_unaccent"),
        ),
        output_field=S.SearchVectorField(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0007_import_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="offer",
            name="title_lemmas",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="offer",
            name="text_lemmas",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(write_lemmas, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="offer", name="offer_search_idx"),
        migrations.RemoveField(model_name="offer", name="search_vector"),
        migrations.AddField(model_name="offer", name="search_vector", field=search_vector()),
        migrations.AddIndex(
            model_name="offer", index=GinIndex(fields=["search_vector"], name="offer_search_idx")
        ),
        migrations.RunSQL(OPEN_INDEX, migrations.RunSQL.noop),
    ]
