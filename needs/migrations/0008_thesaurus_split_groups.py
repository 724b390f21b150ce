"""Milan's thesaurus, revised: groups that held different things are split (a SIM is not a
router, a snack is not a school canteen, a coat or a pair of shoes is not clothing in
general) and the vocabulary of the plan's areas grows (fridges, baby food, peripherals,
language mediation, theatre and music, composting, the Pedibus, data analysis, 3D
printing, street furniture). The file is loaded again (idempotent: new groups and terms
are added, the lead's own terms kept); the terms that moved to a new group are taken out of
the group they were in, unless the team lead had moved them already."""

from django.db import migrations

# (old group, term) for every term that now belongs to another group.
MOVED = [
    ("connessione", "SIM dati"),
    ("connessione", "scheda SIM"),
    ("connessione", "traffico dati"),
    ("connessione", "giga"),
    ("connessione", "data plan"),
    ("connessione", "SIM card"),
    ("pasti", "merenda"),
    ("pasti", "spuntino"),
    ("pasti", "snack"),
    ("abbigliamento", "giacconi"),
    ("abbigliamento", "cappotti"),
    ("abbigliamento", "giubbotti"),
    ("abbigliamento", "scarpe"),
    ("abbigliamento", "coats"),
    ("abbigliamento", "jackets"),
]


def split_groups(apps, schema_editor):
    from needs.thesaurus import load_thesaurus_rows, read_thesaurus

    group_model = apps.get_model("needs", "ThesaurusGroup")
    term_model = apps.get_model("needs", "ThesaurusTerm")
    if not group_model.objects.exists():
        return  # an empty thesaurus is filled from the file after migrate
    for key, term in MOVED:
        term_model.objects.filter(group__key=key, term__iexact=term).delete()
    load_thesaurus_rows(read_thesaurus(), group_model=group_model, term_model=term_model)


class Migration(migrations.Migration):
    dependencies = [("needs", "0007_thesaurus_term_lexemes")]

    operations = [migrations.RunPython(split_groups, migrations.RunPython.noop, elidable=True)]
