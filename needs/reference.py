"""Reference data from files: Municipi, NIL, departments and intervention areas.

Milan's files live in ``needs/data/``; another city passes its own. Every file is read and
checked completely before anything is written, then everything is written in one
transaction: a bad file names the file, the row and the problem, and leaves the database
as it was. Loading is idempotent (``update_or_create`` on the natural keys).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction

from contactpoint.audit import log_action

from .models import Department, InterventionArea, Municipio, Neighbourhood

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_NIL = DATA_DIR / "milan_nil.csv"
DEFAULT_MUNICIPI = DATA_DIR / "milan_municipi.csv"
DEFAULT_DEPARTMENTS = DATA_DIR / "departments.csv"
DEFAULT_AREAS = DATA_DIR / "intervention_areas.csv"

NAME_MAX = 200
MAX_NIL_ID = 32767  # PositiveSmallIntegerField


class ReferenceDataError(Exception):
    """A reference file cannot be loaded; the message names the file, row and problem."""


@dataclass
class LoadSummary:
    municipi: int = 0
    neighbourhoods: int = 0
    departments: int = 0
    areas: int = 0
    created: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"{self.municipi} municipi, {self.neighbourhoods} neighbourhoods (NIL), "
            f"{self.departments} departments, {self.areas} intervention areas"
        )


# --- Display names ------------------------------------------------------------------------

# Words written in lower case inside a name ("Ronchetto delle Rane", "Bosco in Città").
_SMALL_WORDS = {"di", "del", "della", "delle", "dei", "degli", "in", "sul", "il", "e", "da"}
# Abbreviations the Comune uses, written the usual way in running text.
_ABBREVIATIONS = {"Q.RE": "Q.re", "P.TA": "Porta", "PTA": "Porta", "S.": "S."}
_ACCENTED = {"A": "à", "E": "è", "I": "ì", "O": "ò", "U": "ù"}
_ROMAN = re.compile(r"^[IVXLCDM]+$")


def _display_word(word: str, *, first: bool, before_number: bool) -> str:
    upper = word.upper()
    if upper in _ABBREVIATIONS:
        return _ABBREVIATIONS[upper]
    if not first and word.lower() in _SMALL_WORDS:
        return word.lower()
    if _ROMAN.match(upper) and len(upper) > 1:
        return upper  # XXII Marzo
    if any(ch.isdigit() for ch in word) or before_number:
        return word  # QT 8
    # Upper-case names write a final accent as an apostrophe: CITTA' -> Città, MONLUE' -> Monluè.
    # Short words keep theirs: CA' (casa) stays Ca'.
    if len(word) > 3 and word.endswith("'") and word[-2].upper() in _ACCENTED:
        return word[:-2].capitalize() + _ACCENTED[word[-2].upper()]
    return word.capitalize()


def display_name(official: str) -> str:
    """A readable name for an official upper-case one: "CITTA' STUDI" -> "Città Studi"."""
    words = official.split()
    return " ".join(
        _display_word(
            word,
            first=i == 0,
            before_number=i + 1 < len(words) and words[i + 1].isdigit(),
        )
        for i, word in enumerate(words)
    )


# --- Reading and checking -------------------------------------------------------------------


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) with stripped values; header problems raise at once."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ReferenceDataError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in (reader.fieldnames or [])]
        missing = [column for column in required if column not in header]
        if missing:
            raise ReferenceDataError(
                f"{path.name}: missing column(s) {', '.join(missing)} "
                f"(found: {', '.join(header) or 'no header'})"
            )
        reader.fieldnames = header
        try:
            for row in reader:
                if None in row:
                    raise ReferenceDataError(
                        f"{path.name}, row {reader.line_num}: more values than columns"
                    )
                values = {key: (value or "").strip() for key, value in row.items()}
                if not any(values.values()):
                    continue  # blank line
                yield reader.line_num, values
        except csv.Error as exc:
            raise ReferenceDataError(f"{path.name}, row {reader.line_num}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise ReferenceDataError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc


class _Row:
    """Helpers that raise a ReferenceDataError naming the file and the row."""

    def __init__(self, path: Path, line: int, values: dict[str, str]) -> None:
        self.where = f"{path.name}, row {line}"
        self.values = values

    def fail(self, message: str) -> ReferenceDataError:
        return ReferenceDataError(f"{self.where}: {message}")

    def text(self, column: str, *, required: bool = True, max_length: int = NAME_MAX) -> str:
        value = self.values.get(column, "")
        if required and not value:
            raise self.fail(f"{column} is empty")
        if len(value) > max_length:
            raise self.fail(f"{column} is longer than {max_length} characters")
        return value

    def integer(self, column: str, *, minimum: int = 1, maximum: int = MAX_NIL_ID) -> int:
        raw = self.values.get(column, "")
        try:
            value = int(raw)
        except ValueError:
            raise self.fail(f"{column} {raw!r} is not a whole number") from None
        if not minimum <= value <= maximum:
            raise self.fail(f"{column} {value} is not between {minimum} and {maximum}")
        return value

    def decimal(self, column: str, *, limit: int) -> Decimal:
        raw = self.values.get(column, "")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise self.fail(f"{column} {raw!r} is not a number") from None
        if not value.is_finite() or abs(value) > limit:
            raise self.fail(f"{column} {raw!r} is not between -{limit} and {limit}")
        return value.quantize(Decimal("0.00001"))

    def slug(self, column: str = "slug") -> str:
        value = self.text(column, max_length=50)
        try:
            validate_slug(value)
        except ValidationError:
            raise self.fail(
                f"{column} {value!r} may contain only letters, digits, hyphens and underscores"
            ) from None
        return value


def _unique(row: _Row, seen: set[Any], key: Any, column: str) -> None:
    if key in seen:
        raise row.fail(f"{column} {key!r} appears more than once")
    seen.add(key)


def read_municipi(path: Path) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    seen: set[int] = set()
    for line, values in _rows(path, ("number", "name")):
        row = _Row(path, line, values)
        number = row.integer("number", maximum=999)
        _unique(row, seen, number, "number")
        result.append(
            {
                "number": number,
                "name": row.text("name"),
                "name_en": row.text("name_en", required=False),
            }
        )
    if not result:
        raise ReferenceDataError(f"{path.name}: no municipi in the file")
    return result


def read_neighbourhoods(path: Path, *, municipi: set[int]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    seen: set[int] = set()
    for line, values in _rows(path, ("nil_id", "name", "municipi", "lat", "lon")):
        row = _Row(path, line, values)
        nil_id = row.integer("nil_id")
        _unique(row, seen, nil_id, "nil_id")
        official = row.text("name")
        numbers: list[int] = []
        for part in row.text("municipi", max_length=100).split(";"):
            part = part.strip()
            try:
                number = int(part)
            except ValueError:
                raise row.fail(f"municipi {part!r} is not a Municipio number") from None
            if number not in municipi:
                raise row.fail(f"Municipio {number} is not in the municipi file")
            if number in numbers:
                raise row.fail(f"Municipio {number} is listed twice")
            numbers.append(number)
        result.append(
            {
                "nil_id": nil_id,
                "official_name": official,
                "name": row.text("display_name", required=False) or display_name(official),
                "municipi": numbers,
                "lat": row.decimal("lat", limit=90),
                "lon": row.decimal("lon", limit=180),
            }
        )
    if not result:
        raise ReferenceDataError(f"{path.name}: no neighbourhoods in the file")
    return result


def _read_named(path: Path, extra: Callable[[_Row], dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a unique slug and a name in Italian and English, plus ``extra(row)``."""
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for line, values in _rows(path, ("slug", "name", "name_en")):
        row = _Row(path, line, values)
        slug = row.slug()
        _unique(row, seen, slug, "slug")
        result.append(
            {
                "slug": slug,
                "name": row.text("name"),
                "name_en": row.text("name_en", required=False),
                **extra(row),
            }
        )
    return result


def _department_email(row: _Row) -> dict[str, Any]:
    email = row.text("email", required=False, max_length=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise row.fail(f"email {email!r} is not a valid e-mail address") from None
    return {"email": email}


def read_departments(path: Path) -> list[dict[str, Any]]:
    return _read_named(path, _department_email)


def read_areas(path: Path) -> list[dict[str, Any]]:
    return _read_named(
        path,
        lambda row: {"description": row.text("description", required=False, max_length=5000)},
    )


# --- Writing --------------------------------------------------------------------------------


def load_reference_data(
    *,
    nil_path: Path | str = DEFAULT_NIL,
    municipi_path: Path | str = DEFAULT_MUNICIPI,
    departments_path: Path | str = DEFAULT_DEPARTMENTS,
    areas_path: Path | str = DEFAULT_AREAS,
    actor: Any = None,
) -> LoadSummary:
    """Check the four files, then create or update their rows in one transaction."""
    municipi = read_municipi(Path(municipi_path))
    neighbourhoods = read_neighbourhoods(Path(nil_path), municipi={m["number"] for m in municipi})
    departments = read_departments(Path(departments_path))
    areas = read_areas(Path(areas_path))

    summary = LoadSummary(
        municipi=len(municipi),
        neighbourhoods=len(neighbourhoods),
        departments=len(departments),
        areas=len(areas),
    )
    created = dict.fromkeys(("municipi", "neighbourhoods", "departments", "areas"), 0)
    with transaction.atomic():
        by_number: dict[int, Municipio] = {}
        for item in municipi:
            number = item.pop("number")
            obj, was_created = Municipio.objects.update_or_create(number=number, defaults=item)
            by_number[number] = obj
            created["municipi"] += was_created
        for item in neighbourhoods:
            numbers = item.pop("municipi")
            nil, was_created = Neighbourhood.objects.update_or_create(
                nil_id=item.pop("nil_id"),
                defaults={**item, "municipio": by_number[numbers[0]]},
            )
            nil.municipi.set([by_number[n] for n in numbers])
            created["neighbourhoods"] += was_created
        for item in departments:
            _, was_created = Department.objects.update_or_create(
                slug=item.pop("slug"), defaults=item
            )
            created["departments"] += was_created
        for item in areas:
            _, was_created = InterventionArea.objects.update_or_create(
                slug=item.pop("slug"), defaults=item
            )
            created["areas"] += was_created
        summary.created = created
        log_action(
            actor=actor,
            action="needs.reference.loaded",
            payload={
                "municipi": summary.municipi,
                "neighbourhoods": summary.neighbourhoods,
                "departments": summary.departments,
                "areas": summary.areas,
                "created": created,
            },
        )
    return summary
