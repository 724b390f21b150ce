"""Reading an uploaded spreadsheet: formats, limits, cells, the preview's types, the stash."""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import re
import secrets
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contactpoint.audit import log_action
from contactpoint.clean_text import clean_name

from .. import duplicates

MAX_IMPORT_BYTES = settings.IMPORT_MAX_BYTES
MAX_IMPORT_ROWS = 20_000
# How often (in rows) a running import reports its progress.
PROGRESS_EVERY = 50
# An XLSX is a zip: refuse one that would unpack to more than this (a "zip bomb").
MAX_XLSX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
FORMATS = ("csv", "xlsx")

ORGANISATIONS = "organisations"
CONTACTS = "contacts"
KINDS = {ORGANISATIONS: gettext_lazy("organisations"), CONTACTS: gettext_lazy("contacts")}


_TRUE = {"1", "yes", "y", "si", "sì", "s", "true", "vero", "x"}
_FALSE = {"0", "no", "n", "false", "falso"}
_DOMAIN_RE = re.compile(r"^(?=.{3,100}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()./-]{5,30}$")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (type, size, encoding, headers)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class RowPreview:
    """One data row: its cells, what importing it would do, and its errors."""

    number: int  # the spreadsheet's row number (headers are row 1)
    values: dict[str, str]
    action: str = ""  # "create", "update", "flag" (create + possible duplicate) or "error"
    target: Any = None  # the organisation (or contact) that would be updated
    candidates: list[duplicates.DuplicateCandidate] = field(default_factory=list)
    cleaned: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, message: Any) -> None:
        self.errors.append(RowError(self.number, column, str(message)))

    def audit(self, *, action: str, obj: Any, actor: Any, **payload: Any) -> None:
        """The audit entry of what importing this row wrote (source "import", its number)."""
        log_action(
            actor=actor,
            action=action,
            obj=obj,
            payload={"source": "import", **payload, "row": self.number},
        )

    @property
    def error_columns(self) -> set[str]:
        return {error.column for error in self.errors}

    @property
    def cells(self) -> list[tuple[str, str, bool]]:
        """(column, value, has error) in column order, for the preview table."""
        return [(c, v, c in self.error_columns) for c, v in self.values.items()]


@dataclass
class ImportPreview:
    kind: str
    filename: str
    columns: list[str]
    rows: list[RowPreview]
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    @property
    def is_valid(self) -> bool:
        return bool(self.rows) and not any(row.errors for row in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "flag": 0, "error": 0}
        for row in self.rows:
            counts[row.action] = counts.get(row.action, 0) + 1
        counts["total"] = len(self.rows)
        return counts


class ImportNotValid(Exception):
    def __init__(self, preview: ImportPreview) -> None:
        super().__init__(f"{len(preview.errors)} errors")
        self.preview = preview


# --- Reading files ------------------------------------------------------------------------


def file_format(filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in FORMATS:
        raise ImportFileError(_("Upload a CSV or XLSX (Excel) file."))
    return extension


def _header_key(header: Any, aliases: dict[str, str]) -> str:
    text = unicodedata.normalize("NFKD", str(header or "")).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return aliases.get(key, key)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(*, content: bytes, filename: str) -> tuple[list[Any], list[list[str]]]:
    """Headers and data rows of a CSV or XLSX file, with the limits enforced."""
    fmt = file_format(filename)
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            _("The file is too large: the limit is %(mb)d MB.")
            % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
        )
    if not content:
        raise ImportFileError(_("The file is empty."))
    rows = _read_xlsx(content) if fmt == "xlsx" else _read_csv(content)
    while rows and not any(_cell(v) for v in rows[-1]):
        rows.pop()  # trailing empty rows, common in spreadsheets
    if not rows or not any(_cell(v) for v in rows[0]):
        raise ImportFileError(_("The first row must contain the column names."))
    if len(rows) - 1 > MAX_IMPORT_ROWS:
        raise ImportFileError(
            _("The file has too many rows: the limit is %(max)s.") % {"max": MAX_IMPORT_ROWS}
        )
    headers = list(rows[0])
    return headers, [[_cell(v) for v in row] for row in rows[1:]]


def _read_xlsx(content: bytes) -> list[list[Any]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED_BYTES:
                raise ImportFileError(_("The spreadsheet is too large once unpacked."))
        dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx", headers=False)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl/zipfile raise many kinds for a damaged file
        raise ImportFileError(
            _(
                "The file could not be read as an XLSX spreadsheet. Save it again from Excel or "
                "LibreOffice as .xlsx, or as CSV."
            )
        ) from exc
    return [list(row) for row in dataset]


def _read_csv(content: bytes) -> list[list[Any]]:
    if b"\x00" in content[:4096]:
        raise ImportFileError(_("The file does not look like a CSV text file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")  # Excel's default on Italian Windows
        except UnicodeDecodeError as exc:
            # Never stored as replacement characters: the user saves the file again.
            raise ImportFileError(
                _(
                    "The file's text encoding could not be read (byte %(position)d). Save it "
                    "again as CSV UTF-8."
                )
                % {"position": exc.start + 1}
            ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc


# --- Cell parsers --------------------------------------------------------------------------


@functools.cache
def _choice_names(choices: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for code, label in choices.choices:
        names[code.lower()] = code
        for language in ("it", "en"):
            with translation.override(language):
                names[str(label).lower()] = code
    return names


def _choice(value: str, choices: Any) -> str | None:
    """A choice's value from its code or its name in Italian or English (case-insensitive)."""
    return _choice_names(choices).get(value.strip().lower())


def _boolean(value: str) -> bool | None:
    wanted = value.strip().lower()
    if wanted in _TRUE:
        return True
    if wanted in _FALSE:
        return False
    raise ValueError(wanted)


def _code_cell(value: str) -> str:
    # Spreadsheets turn "00743110157" into the number 743110157: put the zeros back.
    value = value.strip()
    if value.isdigit() and len(value) < 11:
        return value.zfill(11)
    return value


def _text(row: RowPreview, column: str, *, max_length: int, required: bool = False) -> str:
    value = " ".join(row.values.get(column, "").split())
    if required and not value:
        row.error(column, _("This column is required."))
    elif len(value) > max_length:
        row.error(
            column,
            _("At most %(max)d characters (this has %(len)d).")
            % {"max": max_length, "len": len(value)},
        )
    return value


def _name(row: RowPreview, column: str, *, max_length: int, required: bool = False) -> str:
    """A name cell: like ``_text``, normalised, and an error if its characters mislead."""
    value = _text(row, column, max_length=max_length, required=required)
    try:
        return clean_name(value)
    except ValidationError as exc:
        row.error(column, exc.messages[0])
        return value


def _map_headers(headers: list[Any], known: tuple[str, ...], aliases: dict[str, str]):
    keys = [_header_key(h, aliases) for h in headers]
    ignored = [
        str(h)
        for h, k in zip(headers, keys, strict=True)
        if k not in known and str(h or "").strip()
    ]
    return keys, ignored


def _row_values(keys: list[str], cells: list[str], known: tuple[str, ...]) -> dict[str, str]:
    values = dict.fromkeys(known, "")
    for key, value in zip(keys, cells, strict=False):
        if key in values and value:
            values[key] = value
    return values


# --- Uploads waiting for confirmation -----------------------------------------------------

# The admin keeps an uploaded file here between the preview and the confirmation, so the
# user does not upload it twice; the session holds the (random, unguessable) token.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
STASH_MAX_AGE_SECONDS = 24 * 3600


def _stash_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def stash_upload(content: bytes) -> str:
    """Keep ``content`` until the import is confirmed; return its token."""
    directory = _stash_dir()
    cutoff = time.time() - STASH_MAX_AGE_SECONDS
    for old in directory.glob("*.upload"):
        with contextlib.suppress(OSError):  # another process may be removing it too
            if old.stat().st_mtime < cutoff:
                old.unlink()
    token = secrets.token_urlsafe(32)
    (directory / f"{token}.upload").write_bytes(content)
    return token


def read_stash(token: str) -> bytes | None:
    if not _TOKEN_RE.match(token or ""):
        return None
    path = _stash_dir() / f"{token}.upload"
    try:
        return path.read_bytes()
    except OSError:
        return None


def drop_stash(token: str) -> None:
    if _TOKEN_RE.match(token or ""):
        with contextlib.suppress(OSError):
            (_stash_dir() / f"{token}.upload").unlink()
