"""PostgreSQL extensions and the Italian accent-insensitive text-search configuration.

Every app's first migration depends on this one, so trigram indexes and the
``italian_unaccent`` configuration exist before anything uses them.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

CREATE_CONFIG = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'italian_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION public.italian_unaccent (COPY = pg_catalog.italian);
        ALTER TEXT SEARCH CONFIGURATION public.italian_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, italian_stem;
    END IF;
END
$$;
"""
DROP_CONFIG = "DROP TEXT SEARCH CONFIGURATION IF EXISTS public.italian_unaccent;"


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunSQL(CREATE_CONFIG, DROP_CONFIG),
    ]
