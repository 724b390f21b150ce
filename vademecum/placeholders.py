"""The fixed list of placeholders and the substitution that fills a clause.

Template text never reaches the Django template engine: a clause is plain text in which
``{{ group.field }}`` names from ``data/placeholders.json`` are replaced, value by value,
after the whole text has been HTML-escaped. Anything else that looks like template syntax
makes the version invalid, so it cannot be approved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).resolve().parent / "data"
# Exactly two braces, one space, a dotted lower-case name, one space, two braces.
PLACEHOLDER = re.compile(r"\{\{ ([a-z_]+\.[a-z_]+) \}\}")
# Anything else that a template engine would read as code or markup.
FORBIDDEN = re.compile(r"\{%|%\}|\{#|#\}|\{\{|\}\}")


@cache
def definitions() -> tuple[dict[str, Any], ...]:
    """The documented placeholders: name, label (it/en), source, example."""
    with (DATA_DIR / "placeholders.json").open(encoding="utf-8") as handle:
        return tuple(json.load(handle))


@cache
def names() -> frozenset[str]:
    return frozenset(item["name"] for item in definitions())


def used_in(text: str) -> list[str]:
    return PLACEHOLDER.findall(text or "")


def problems_in(text: str) -> list[str]:
    """Why ``text`` may not be used as a clause body (empty list: it may)."""
    problems = []
    unknown = sorted({name for name in used_in(text) if name not in names()})
    if unknown:
        problems.append(
            _("Unknown placeholder(s): %(names)s. Use only the names of the fixed list.")
            % {"names": ", ".join("{{ " + name + " }}" for name in unknown)}
        )
    rest = PLACEHOLDER.sub("", text or "")
    if FORBIDDEN.search(rest):
        problems.append(
            _(
                "Only placeholders written as {{ group.field }} are allowed: no template "
                "tags, comments, filters or other braces."
            )
        )
    return problems


def clause_problems(clauses: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every problem of a version's clauses, each naming the clause it is in."""
    problems: list[str] = []
    keys: set[str] = set()
    for position, clause in enumerate(clauses, start=1):
        key = str(clause.get("key") or "")
        label = key or str(position)
        if not key:
            problems.append(_("Clause %(n)s has no key.") % {"n": position})
        elif key in keys:
            problems.append(_("Clause key “%(key)s” is used twice.") % {"key": key})
        keys.add(key)
        for part in ("heading", "body"):
            value = clause.get(part) or {}
            for language in ("it", "en"):
                text = str(value.get(language) or "") if isinstance(value, Mapping) else ""
                if not text.strip():
                    problems.append(
                        _("Clause “%(key)s”: the %(part)s (%(language)s) is empty.")
                        % {"key": label, "part": part, "language": language}
                    )
                    continue
                if part == "heading" and PLACEHOLDER.search(text):
                    problems.append(
                        _("Clause “%(key)s”: headings cannot contain placeholders.")
                        % {"key": label}
                    )
                for problem in problems_in(text):
                    problems.append(
                        _("Clause “%(key)s” (%(language)s): %(problem)s")
                        % {"key": label, "language": language, "problem": problem}
                    )
    return problems


BLANK = "\u2009_______________\u2009"


def fill(text: str, values: Mapping[str, Any], *, blank: str = BLANK) -> SafeString:
    """``text`` as safe HTML with every known placeholder replaced by its escaped value.

    A missing or empty value becomes a line to complete by hand.
    """
    escaped = escape(text or "")

    def replace(found: re.Match[str]) -> str:
        value = values.get(found.group(1))
        if value in (None, ""):
            return blank
        return str(escape(str(value)))

    return mark_safe(PLACEHOLDER.sub(replace, escaped))  # noqa: S308 - escaped above
