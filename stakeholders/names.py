"""Comparable organisation names: the distinctive part, without legal forms.

"Fondazione CARIPLO Onlus" and "Fondazione Cariplo" both become "cariplo". The same rule
exists twice, in Python (:func:`normalise_name`, for input) and in SQL (:class:`NameKey`,
for the stored ``Organisation.name_key`` column), built from the same tables so both sides
of a comparison agree. The SQL uses only IMMUTABLE functions (no ``unaccent``), so the key
can be a generated, indexed column and look-alikes are found through the trigram index
instead of normalising every row at query time.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.db.models import Func, Value
from django.db.models.functions import Lower

# Accented letters folded to ASCII, upper and lower case (PostgreSQL's lower() may not know
# non-ASCII letters under the C collation, so both cases are listed).
_ACCENTED = "àáâãäåèéêëìíîïòóôõöùúûüýÿçñÀÁÂÃÄÅÈÉÊËÌÍÎÏÒÓÔÕÖÙÚÛÜÝÇÑ"
_PLAIN = "aaaaaaeeeeiiiiooooouuuuyycnaaaaaaeeeeiiiiooooouuuuycn"
assert len(_ACCENTED) == len(_PLAIN)
_FOLD = str.maketrans(_ACCENTED, _PLAIN)

# Legal-form words that say nothing about *which* organisation it is. Matched after lower
# casing, folding accents and dropping dots, so "S.p.A." is "spa" and "S.r.l." is "srl".
LEGAL_FORM_WORDS = (
    "spa",
    "srl",
    "srls",
    "sapa",
    "sas",
    "snc",
    "ss",
    "scarl",
    "scrl",
    "scpa",
    "sc",
    "scs",
    "coop",
    "cooperativa",
    "societa",
    "sociale",
    "impresa",
    "onlus",
    "ets",
    "odv",
    "aps",
    "ente",
    "fondazione",
    "associazione",
    "inc",
    "ltd",
    "llc",
    "gmbh",
    "ag",
    "sa",
)
# The lookahead leaves the separating space, so adjacent legal words all go in one pass.
LEGAL_FORM_RE = r"(^| )(" + "|".join(LEGAL_FORM_WORDS) + r")(?= |$)"


def normalise_name(name: str) -> str:
    """The distinctive part of a legal name, as stored in ``Organisation.name_key``."""
    text = (name or "").translate(_FOLD).lower()
    text = text.replace(".", "")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(LEGAL_FORM_RE, "", text)
    return re.sub(r"\s+", " ", text).strip()


class NameKey(Func):
    """SQL twin of :func:`normalise_name`, IMMUTABLE (usable in a generated column)."""

    output_field = models.CharField(max_length=200)

    def __init__(self, expression: Any) -> None:
        steps: Any = Lower(Func(expression, Value(_ACCENTED), Value(_PLAIN), function="translate"))
        steps = Func(steps, Value(r"\."), Value(""), Value("g"), function="regexp_replace")
        steps = Func(steps, Value("[^a-z0-9]+"), Value(" "), Value("g"), function="regexp_replace")
        steps = Func(steps, function="btrim")
        steps = Func(steps, Value(LEGAL_FORM_RE), Value(""), Value("g"), function="regexp_replace")
        steps = Func(steps, Value(r"\s+"), Value(" "), Value("g"), function="regexp_replace")
        super().__init__(steps, function="btrim")
