"""Personal data across the portal: who a person is, what every app holds about them, and
the sweep that removes their identifying strings from every text column.

A person's data live in several apps (contacts and offers in ``stakeholders``, matches in
``matching``, survey answers in ``monitoring``). Lower apps cannot import upper ones, so each
app registers here, in its ``ready()``, a section of the personal-data export; the erasure
service (``stakeholders.privacy``) then runs :func:`sweep` over every model of every app.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models

# Longer text than this is never a name or an address; phones need this many digits to be
# told apart from other numbers.
MIN_PHONE_DIGITS = 6


@dataclass(frozen=True)
class Person:
    """Everything that identifies one person, gathered by ``stakeholders.privacy``."""

    user: Any = None
    emails: tuple[str, ...] = ()
    contact_ids: tuple[int, ...] = ()
    organisation_ids: tuple[int, ...] = ()  # the ones their account acts for (memberships)
    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


Exporter = Callable[[Person], Any]
_exporters: dict[str, Exporter] = {}


def register_export_section(name: str, exporter: Exporter) -> None:
    """``exporter(person)`` returns the JSON-ready section ``name`` of the export."""
    _exporters[name] = exporter


def export_sections(person: Person) -> dict[str, Any]:
    return {name: exporter(person) for name, exporter in sorted(_exporters.items())}


def iso(value: Any) -> str | None:
    """A date or date-time as the export writes it (``None`` stays ``None``)."""
    return value.isoformat() if value is not None else None


def plain_values(obj: Any, names: Iterable[str]) -> dict[str, Any]:
    """The attributes ``names`` of ``obj`` as they are, in that order, for an export."""
    return {name: getattr(obj, name) for name in names}


PageContext = Callable[[Any], dict[str, Any]]
_page_context: list[PageContext] = []


def register_page_context(provider: PageContext) -> None:
    """``provider(request)`` adds to the privacy notice's context (e.g. the consent texts)."""
    if provider not in _page_context:
        _page_context.append(provider)


def page_context(request: Any) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for provider in _page_context:
        context.update(provider(request))
    return context


# --- The sweep -------------------------------------------------------------------------------


def erased_label(reference: int) -> str:
    # Not translated: it is stored data, the same whatever the language of the request.
    return f"Persona cancellata #{reference}"


def erased_email(reference: int, index: int) -> str:
    """A distinct, undeliverable address per original one, so counts by e-mail stay true."""
    return f"cancellato-{reference}-{index}@anonimo.invalid"


def _name_pattern(name: str) -> str:
    words = name.split()
    return r"\s+".join(re.escape(word) for word in words)


def _phone_pattern(phone: str) -> str | None:
    """The number's digits with any separators, with or without the country code."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith(("+", "00")):
        digits = digits.removeprefix("00")
        # Country codes have 1 to 3 digits; Italian numbers are the common case.
        digits = digits[2:] if digits.startswith("39") else digits
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    return r"(?:(?:\+|00)\d{1,3}[\s./-]*)?" + r"[\s./-]*".join(digits)


def replacements(person: Person, reference: int) -> list[tuple[str, str]]:
    """(PostgreSQL regular expression, replacement) pairs, longest strings first."""
    pairs: list[tuple[str, str]] = []
    for index, email in enumerate(sorted(set(person.emails)), start=1):
        pairs.append((re.escape(email), erased_email(reference, index)))
    label = erased_label(reference)
    names = set()
    for name in person.names:
        words = name.split()
        if len(words) >= 2:
            # Registers and lists often write the surname first.
            names.update({" ".join(words), " ".join(words[-1:] + words[:-1])})
    for name in sorted(names, key=len, reverse=True):
        pairs.append((_name_pattern(name), label))
    for phone in set(person.phones):
        pattern = _phone_pattern(phone)
        if pattern:
            pairs.append((pattern, ""))
    return pairs


def _text_columns(model: type[models.Model]) -> list[tuple[str, str, int | None]]:
    """(column, kind, max_length) of the model's stored text and JSON columns."""
    columns: list[tuple[str, str, int | None]] = []
    for model_field in model._meta.concrete_fields:
        if isinstance(model_field, models.GeneratedField) or model_field.primary_key:
            continue
        if isinstance(model_field, models.JSONField):
            columns.append((model_field.column, "json", None))
        elif isinstance(model_field, models.CharField | models.TextField):
            columns.append((model_field.column, "text", model_field.max_length))
    return columns


def sweep(person: Person, reference: int) -> dict[str, int]:
    """Replace the person's e-mails, names and phones in every text column of every model.

    One UPDATE per table, touching only rows where some column matches; CharFields are cut
    to their length. Returns the rows changed per table. Must run inside the erasure's
    transaction.
    """
    pairs = replacements(person, reference)
    if not pairs:
        return {}
    quote = connection.ops.quote_name
    changed: dict[str, int] = {}
    seen: set[str] = set()
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        columns = _text_columns(model)
        if not columns:
            continue
        params: list[Any] = []
        assignments = []
        conditions = []
        for column, kind, max_length in columns:
            expression = f"{quote(column)}::text" if kind == "json" else quote(column)
            for pattern, replacement in pairs:
                expression = f"regexp_replace({expression}, %s, %s, 'gi')"
                params.extend([pattern, replacement])
            if kind == "json":
                expression = f"({expression})::jsonb"
            elif max_length:
                expression = f"left({expression}, {int(max_length)})"
            assignments.append(f"{quote(column)} = {expression}")
        alternation = "|".join(f"(?:{pattern})" for pattern, _ in pairs)
        for column, kind, _length in columns:
            target = f"{quote(column)}::text" if kind == "json" else quote(column)
            conditions.append(f"{target} ~* %s")
            params.append(alternation)
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "  # noqa: S608
            f"WHERE {' OR '.join(conditions)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if cursor.rowcount:
                changed[meta.db_table] = cursor.rowcount
    return changed
