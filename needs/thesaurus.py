"""The thesaurus as data: groups of equivalent terms read from a CSV file.

``needs/data/thesaurus.csv`` holds Milan's groups (columns ``group,name,language,term``
and an optional ``generic``, one row per term; ``generic`` = 1 on the rows of a group of
words too common to tell needs apart, which links nothing). Loading is idempotent: groups
are matched on their key, their name is updated and missing terms are added; terms the
team lead added or removed in the admin are left alone (``replace=True`` makes the table
equal to the file instead). Another city loads its own file with
``manage.py load_thesaurus PATH``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from contactpoint.audit import log_action
from contactpoint.pagecache import held_versions

from .language import normalise
from .reference import ReferenceDataError, _rows

DEFAULT_THESAURUS = Path(__file__).resolve().parent / "data" / "thesaurus.csv"
TERM_MAX = 100


@dataclass
class GroupRow:
    key: str
    name: str
    generic: bool = False
    terms: dict[str, str] = field(default_factory=dict)  # term -> language


def read_thesaurus(path: Path | str = DEFAULT_THESAURUS) -> list[GroupRow]:
    """Read and check the whole file; a problem raises ``ReferenceDataError`` naming the row."""
    path = Path(path)
    languages = {code for code, _ in settings.LANGUAGES}
    groups: dict[str, GroupRow] = {}
    for line, values in _rows(path, ("group", "name", "language", "term")):
        where = f"{path.name}, row {line}"
        key = slugify(values["group"])
        term = " ".join(values["term"].split())
        if not key:
            raise ReferenceDataError(f"{where}: group is required")
        if not term or len(term) > TERM_MAX:
            raise ReferenceDataError(f"{where}: term must have 1 to {TERM_MAX} characters")
        language = values["language"] or "it"
        if language not in languages:
            raise ReferenceDataError(f"{where}: unknown language {language!r}")
        group = groups.setdefault(key, GroupRow(key=key, name=values["name"] or key))
        if values.get("generic", "").lower() in ("1", "yes", "true", "si", "sì"):
            group.generic = True
        if not any(normalise(t) == normalise(term) for t in group.terms):
            group.terms[term] = language
    return list(groups.values())


def load_thesaurus_rows(
    groups: list[GroupRow], *, group_model: Any, term_model: Any, replace: bool = False
) -> tuple[int, int]:
    """Write checked groups with the given models (real or a migration's historical ones).
    Returns (groups created, terms created)."""
    with held_versions():  # the public pages search through it: one new version
        return _load_thesaurus_rows(
            groups, group_model=group_model, term_model=term_model, replace=replace
        )


def _load_thesaurus_rows(
    groups: list[GroupRow], *, group_model: Any, term_model: Any, replace: bool
) -> tuple[int, int]:
    created_groups = created_terms = 0
    # A migration's historical model may predate the ``generic`` flag.
    has_generic = any(f.name == "generic" for f in group_model._meta.get_fields())
    for row in groups:
        defaults: dict[str, Any] = {"name": row.name[:200]}
        if has_generic:
            defaults["generic"] = row.generic
        group, was_created = group_model.objects.update_or_create(key=row.key, defaults=defaults)
        created_groups += was_created
        existing = {normalise(t) for t in group.terms.values_list("term", flat=True)}
        new = [
            term_model(group=group, term=term, language=language)
            for term, language in row.terms.items()
            if normalise(term) not in existing
        ]
        term_model.objects.bulk_create(new)
        created_terms += len(new)
        if replace:
            wanted = {normalise(t) for t in row.terms}
            stale = [t.pk for t in group.terms.all() if normalise(t.term) not in wanted]
            term_model.objects.filter(pk__in=stale).delete()
    if replace:
        group_model.objects.exclude(key__in=[row.key for row in groups]).delete()
    return created_groups, created_terms


def load_thesaurus(
    path: Path | str = DEFAULT_THESAURUS, *, replace: bool = False, actor: Any = None
) -> tuple[int, int]:
    """Load a thesaurus file into the table in one transaction (idempotent)."""
    from .models import ThesaurusGroup, ThesaurusTerm

    groups = read_thesaurus(path)
    with transaction.atomic():
        result = load_thesaurus_rows(
            groups, group_model=ThesaurusGroup, term_model=ThesaurusTerm, replace=replace
        )
        log_action(
            actor=actor,
            action="needs.thesaurus.loaded",
            payload={"groups": len(groups), "created": list(result), "replace": replace},
        )
    return result
