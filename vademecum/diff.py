"""Clause-by-clause comparison of two template versions (difflib over words)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import pick

WORDS = re.compile(r"\S+|\s+")


@dataclass(frozen=True)
class ClauseDiff:
    key: str
    heading: str
    change: str  # "added", "removed", "changed" or "same"
    html: SafeString


def word_diff(old: str, new: str) -> SafeString:
    """``new`` as HTML with removed words in <del> and added words in <ins>."""
    a, b = WORDS.findall(old), WORDS.findall(new)
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(escape("".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if tag in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped


def clause_diff(
    old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]], *, language: str
) -> list[ClauseDiff]:
    """Compare clauses by their stable key, in the new version's order, removed ones last."""
    old_by_key = {clause["key"]: clause for clause in old}
    new_keys = {clause["key"] for clause in new}
    result = []
    for clause in new:
        before = old_by_key.get(clause["key"])
        heading = pick(clause["heading"], language)
        body = pick(clause["body"], language)
        if before is None:
            html = mark_safe(f"<ins>{escape(body)}</ins>")  # noqa: S308 - escaped
            result.append(ClauseDiff(clause["key"], heading, "added", html))
            continue
        old_body = pick(before["body"], language)
        old_heading = pick(before["heading"], language)
        change = "same" if (old_body, old_heading) == (body, heading) else "changed"
        result.append(ClauseDiff(clause["key"], heading, change, word_diff(old_body, body)))
    for clause in old:
        if clause["key"] not in new_keys:
            html = mark_safe(f"<del>{escape(pick(clause['body'], language))}</del>")  # noqa: S308
            heading = pick(clause["heading"], language)
            result.append(ClauseDiff(clause["key"], heading, "removed", html))
    return result
