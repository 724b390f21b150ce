"""Lemmas in the needs' search document, and the thesaurus table loaded with Milan's file.

The search vector is a generated column: PostgreSQL cannot change its expression in place,
so it is dropped and added again (with its indexes) after the lemmas are written.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

BATCH = 2000

OPEN_INDEX = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') THEN
        CREATE INDEX IF NOT EXISTS matching_need_open_search_idx
            ON needs_need USING gin (resource_kind, search_vector)
            WHERE status IN ('published', 'partially_covered');
    END IF;
END
$$;
"""


def write_lemmas(apps, schema_editor):
    from needs.language import need_lemmas

    Need = apps.get_model("needs", "Need")
    batch = []
    fields = ("title", "description", "beneficiaries", "school")
    for need in Need.objects.only("id", *fields).order_by("id").iterator(chunk_size=BATCH):
        lemmas = need_lemmas(
            title=need.title,
            description=need.description,
            beneficiaries=need.beneficiaries,
            school=need.school,
        )
        need.title_lemmas = lemmas.title_lemmas
        need.text_lemmas = lemmas.text_lemmas
        batch.append(need)
        if len(batch) >= BATCH:
            Need.objects.bulk_update(batch, ["title_lemmas", "text_lemmas"])
            batch = []
    Need.objects.bulk_update(batch, ["title_lemmas", "text_lemmas"])


def load_thesaurus(apps, schema_editor):
    from needs.thesaurus import load_thesaurus_rows, read_thesaurus

    load_thesaurus_rows(
        read_thesaurus(),
        group_model=apps.get_model("needs", "ThesaurusGroup"),
        term_model=apps.get_model("needs", "ThesaurusTerm"),
    )


def search_vector():
    S = django.contrib.postgres.search
    return models.GeneratedField(
        db_persist=True,
        expression=S.CombinedSearchVector(
            S.CombinedSearchVector(
                S.SearchVector("title", "title_lemmas", config="italian_unaccent", weight="A"),
                "||",
                S.SearchVector("beneficiaries", "school", config="italian_unaccent", weight="B"),
                S.SearchConfig("italian_unaccent"),
            ),
            "||",
            S.SearchVector("description", "text_lemmas", config="italian_unaccent", weight="C"),
            S.SearchConfig("italian_unaccent"),
        ),
        output_field=S.SearchVectorField(),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("needs", "0004_translated_field_labels"),
    ]

    operations = [
        migrations.CreateModel(
            name="ThesaurusGroup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.SlugField(max_length=80, unique=True, verbose_name="key")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
            ],
            options={
                "verbose_name": "thesaurus group",
                "verbose_name_plural": "thesaurus",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="ThesaurusTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("term", models.CharField(max_length=100, verbose_name="term")),
                ("language", models.CharField(choices=[("it", "Italian"), ("en", "English")], default="it", max_length=5, verbose_name="language")),
                ("query", models.GeneratedField(db_persist=True, expression=models.Func(models.F("term"), template="phraseto_tsquery('italian_unaccent'::regconfig, %(expressions)s)"), output_field=django.contrib.postgres.search.SearchQueryField())),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="terms", to="needs.thesaurusgroup", verbose_name="group")),
            ],
            options={
                "verbose_name": "thesaurus term",
                "verbose_name_plural": "thesaurus terms",
                "ordering": ["group", "term"],
                "constraints": [models.UniqueConstraint(fields=("group", "term"), name="thesaurus_term_once_per_group")],
            },
        ),
        migrations.AddField(
            model_name="need",
            name="title_lemmas",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="need",
            name="text_lemmas",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(write_lemmas, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="need", name="need_search_idx"),
        migrations.RemoveField(model_name="need", name="search_vector"),
        migrations.AddField(model_name="need", name="search_vector", field=search_vector()),
        migrations.AddIndex(
            model_name="need", index=GinIndex(fields=["search_vector"], name="need_search_idx")
        ),
        migrations.RunSQL(OPEN_INDEX, migrations.RunSQL.noop),
        migrations.RunPython(load_thesaurus, migrations.RunPython.noop, elidable=True),
    ]
