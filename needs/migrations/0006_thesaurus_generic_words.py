"""Generic words in the thesaurus: common words that link nothing and weigh nothing in
the matching's text relevance ("scuola", "alunni", "famiglie"). Milan's file is loaded
again (idempotent) to add them."""

from django.db import migrations, models


def load_thesaurus(apps, schema_editor):
    from needs.thesaurus import load_thesaurus_rows, read_thesaurus

    load_thesaurus_rows(
        read_thesaurus(),
        group_model=apps.get_model("needs", "ThesaurusGroup"),
        term_model=apps.get_model("needs", "ThesaurusTerm"),
    )


class Migration(migrations.Migration):
    dependencies = [("needs", "0005_need_lemmas_thesaurus")]

    operations = [
        migrations.AddField(
            model_name="thesaurusgroup",
            name="generic",
            field=models.BooleanField(
                default=False,
                help_text="Not synonyms but words too common to tell needs apart (school, pupils, families): they link nothing and do not count for the text relevance of a match.",
                verbose_name="generic words",
            ),
        ),
        migrations.RunPython(load_thesaurus, migrations.RunPython.noop, elidable=True),
    ]
