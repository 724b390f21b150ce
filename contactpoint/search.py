"""Names shared by every full-text search of the portal."""

# Italian stemming with accents removed: "città" and "citta" match, "portatili" finds
# "portatile". Created by contactpoint/migrations/0001_extensions.py.
SEARCH_CONFIG = "italian_unaccent"
