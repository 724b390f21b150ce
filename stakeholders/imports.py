"""Import and export of organisations and contact persons as CSV and XLSX.

The city's stakeholder lists are spreadsheets today. An import is always previewed first:
every row is parsed and validated, and the preview says, row by row, what would be created,
updated or flagged as a possible duplicate, with each error's row, column and message.
Nothing is written unless the whole file is valid, and then everything is written in one
transaction (re-validated inside it), so a file is imported completely or not at all.

Organisation columns (first row = headers, order free, unknown columns ignored):
``kind`` (company, foundation, association, university, third_sector, network,
public_body, or their names), ``legal_name`` (required), ``tax_code``, ``vat_number``,
``website``, ``email_domain``, ``size`` (micro, small, medium, large), ``sector``,
``interests`` (intervention-area slugs separated by ``;``), ``local_group`` and
``focus_group`` (yes/no, sì/no, 1/0).

Contact columns: ``organisation_tax_code`` or ``organisation_name`` (an organisation
already in the registry), ``first_name``, ``last_name``, ``email`` (required), ``role``,
``phone``, ``language`` (it, en).

Matching follows :func:`stakeholders.registry.resolve_organisation`: a row whose tax code
or VAT number is known updates that organisation; a row without codes whose name (without
legal forms) and kind equal an existing organisation's updates it; any other row creates an
organisation, flagged for staff when another one shares its e-mail domain or has a similar
name. Empty cells never erase stored data. Contacts are matched on their e-mail within the
organisation. Imported contacts get no consent records: consent is given by the person.
"""

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contactpoint.audit import log_action
from needs.models import InterventionArea

from . import registry
from .models import ContactPerson, DuplicateFlag, Organisation
from .names import normalise_name

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
# How often (in rows) a running import reports its progress.
PROGRESS_EVERY = 50
# An XLSX is a zip: refuse one that would unpack to more than this (a "zip bomb").
MAX_XLSX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
FORMATS = ("csv", "xlsx")

ORGANISATIONS = "organisations"
CONTACTS = "contacts"
KINDS = {ORGANISATIONS: gettext_lazy("organisations"), CONTACTS: gettext_lazy("contacts")}

ORGANISATION_COLUMNS = (
    "kind",
    "legal_name",
    "tax_code",
    "vat_number",
    "website",
    "email_domain",
    "size",
    "sector",
    "interests",
    "local_group",
    "focus_group",
)
CONTACT_COLUMNS = (
    "organisation_tax_code",
    "organisation_name",
    "first_name",
    "last_name",
    "role",
    "email",
    "phone",
    "language",
)
# Headers as the city's spreadsheets write them, in Italian or loosely.
HEADER_ALIASES = {
    "tipo": "kind",
    "tipologia": "kind",
    "type": "kind",
    "ragione_sociale": "legal_name",
    "denominazione": "legal_name",
    "nome": "legal_name",
    "name": "legal_name",
    "organisation": "legal_name",
    "organizzazione": "legal_name",
    "codice_fiscale": "tax_code",
    "cf": "tax_code",
    "partita_iva": "vat_number",
    "p_iva": "vat_number",
    "piva": "vat_number",
    "vat": "vat_number",
    "sito": "website",
    "sito_web": "website",
    "dominio_email": "email_domain",
    "dominio": "email_domain",
    "dimensione": "size",
    "settore": "sector",
    "interessi": "interests",
    "aree": "interests",
    "gruppo_locale": "local_group",
    "organizzazione_codice_fiscale": "organisation_tax_code",
    "codice_fiscale_organizzazione": "organisation_tax_code",
    "organisation_legal_name": "organisation_name",
    "organizzazione_nome": "organisation_name",
    "nome_organizzazione": "organisation_name",
    "cognome": "last_name",
    "ruolo": "role",
    "telefono": "phone",
    "lingua": "language",
    "e_mail": "email",
    "mail": "email",
}
CONTACT_HEADER_ALIASES = {
    "nome": "first_name",
    "name": "first_name",
    "organisation": "organisation_name",
}

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
    candidates: list[registry.DuplicateCandidate] = field(default_factory=list)
    cleaned: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, message: Any) -> None:
        self.errors.append(RowError(self.number, column, str(message)))

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
        text = content.decode("cp1252", errors="replace")  # Excel's default on Italian Windows
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


# --- Organisations ---------------------------------------------------------------------------


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


def _clean_organisation_row(row: RowPreview, areas: dict[str, InterventionArea]) -> None:
    values, cleaned = row.values, row.cleaned
    kind = values["kind"].strip()
    cleaned["kind"] = _choice(kind, Organisation.Kind) if kind else None
    if not kind:
        row.error("kind", _("This column is required."))
    elif cleaned["kind"] is None:
        row.error(
            "kind",
            _("Unknown kind %(value)s: use one of %(choices)s.")
            % {"value": kind, "choices": ", ".join(Organisation.Kind.values)},
        )
    cleaned["legal_name"] = _text(row, "legal_name", max_length=200, required=True)
    for column, normalise in (
        ("tax_code", registry.normalise_tax_code),
        ("vat_number", registry.normalise_vat_number),
    ):
        try:
            cleaned[column] = normalise(_code_cell(values[column]))
        except ValidationError as exc:
            row.error(column, exc.messages[0])
            cleaned[column] = ""
    website = values["website"].strip()
    if website and "://" not in website:
        website = f"https://{website}"
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
            if len(website) > 200:
                raise ValidationError("too long")
        except ValidationError:
            row.error("website", _("Enter a valid web address, e.g. https://www.example.it."))
            website = ""
    cleaned["website"] = website
    domain = values["email_domain"].strip().lower().lstrip("@")
    if domain and not _DOMAIN_RE.match(domain):
        row.error("email_domain", _("Enter a domain such as example.it (without @ and name)."))
        domain = ""
    elif domain and registry.is_public_mail_domain(domain):
        row.error(
            "email_domain",
            _(
                "%(domain)s is a public mail provider, not the organisation's domain: "
                "leave it empty."
            )
            % {"domain": domain},
        )
        domain = ""
    cleaned["email_domain"] = domain or registry.organisation_domain(website=website)
    size = values["size"].strip()
    cleaned["size"] = _choice(size, Organisation.Size) if size else ""
    if cleaned["size"] is None:
        row.error(
            "size",
            _("Unknown size %(value)s: use one of %(choices)s.")
            % {"value": size, "choices": ", ".join(Organisation.Size.values)},
        )
        cleaned["size"] = ""
    cleaned["sector"] = _text(row, "sector", max_length=120)
    slugs = [s.strip().lower() for s in re.split(r"[;,]", values["interests"]) if s.strip()]
    unknown = [slug for slug in slugs if slug not in areas]
    if unknown:
        row.error(
            "interests",
            _("Unknown intervention areas %(unknown)s: use %(choices)s, separated by ;.")
            % {"unknown": ", ".join(unknown), "choices": ", ".join(sorted(areas))},
        )
    cleaned["interests"] = [areas[slug] for slug in slugs if slug in areas]
    for column in ("local_group", "focus_group"):
        cleaned[column] = None
        if values[column].strip():
            try:
                cleaned[column] = _boolean(values[column])
            except ValueError:
                row.error(column, _("Write yes or no (sì/no, 1/0)."))


def _organisations_by_code(codes: set[str]) -> dict[str, Organisation]:
    """Every given code -> the active organisation holding it (merged ones lead to survivors)."""
    if not codes:
        return {}
    found: dict[str, Organisation] = {}
    matching = Organisation.objects.filter(Q(tax_code__in=codes) | Q(vat_number__in=codes))
    # Active organisations first, so they win over merged records with the same code.
    for organisation in matching.order_by("merged_into_id", "pk"):
        target = organisation if organisation.merged_into_id is None else None
        for code in (organisation.tax_code, organisation.vat_number):
            if code in codes and code not in found:
                found[code] = target or registry.survivor_of(organisation)
    return found


def _organisation_by_name(name: str, kind: str | None = None) -> list[Organisation]:
    """Active organisations whose name without legal forms is exactly ``name``'s."""
    key = normalise_name(name)
    if not key:
        return []
    queryset = Organisation.objects.active().filter(name_key=key)
    if kind:
        queryset = queryset.filter(kind=kind)
    return list(queryset.order_by("pk")[:5])


def preview_organisations(
    *, headers: list[Any], rows: list[list[str]], filename: str
) -> ImportPreview:
    keys, ignored = _map_headers(headers, ORGANISATION_COLUMNS, HEADER_ALIASES)
    missing = [c for c in ("kind", "legal_name") if c not in keys]
    if missing:
        raise ImportFileError(
            _("Missing columns: %(columns)s. The first row must name the columns: %(all)s.")
            % {"columns": ", ".join(missing), "all": ", ".join(ORGANISATION_COLUMNS)}
        )
    areas = {area.slug: area for area in InterventionArea.objects.all()}
    previews = []
    for index, cells in enumerate(rows, start=2):
        if not any(cells):
            continue
        row = RowPreview(number=index, values=_row_values(keys, cells, ORGANISATION_COLUMNS))
        _clean_organisation_row(row, areas)
        previews.append(row)

    codes = {
        row.cleaned[c] for row in previews for c in ("tax_code", "vat_number") if row.cleaned.get(c)
    }
    by_code = _organisations_by_code(codes)
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple[str, str], int] = {}
    for row in previews:
        if row.errors:
            row.action = "error"
            continue
        cleaned = row.cleaned
        row_codes = [cleaned[c] for c in ("tax_code", "vat_number") if cleaned[c]]
        for code in row_codes:
            if code in seen_codes and seen_codes[code] != row.number:
                row.error(
                    "tax_code" if code == cleaned["tax_code"] else "vat_number",
                    _("Same code as row %(row)d.") % {"row": seen_codes[code]},
                )
            seen_codes.setdefault(code, row.number)
        matches = {by_code[code].pk: by_code[code] for code in row_codes if code in by_code}
        if len(matches) > 1:
            row.error(
                "vat_number",
                _(
                    "The tax code and the VAT number belong to two different organisations: "
                    "%(names)s."
                )
                % {"names": ", ".join(o.legal_name for o in matches.values())},
            )
        elif matches:
            target = next(iter(matches.values()))
            stored_codes = {target.tax_code, target.vat_number} - {""}
            for column in ("tax_code", "vat_number"):
                stored = getattr(target, column)
                if cleaned[column] and stored and cleaned[column] not in stored_codes:
                    row.error(
                        column,
                        _("%(name)s already has a different code (%(code)s).")
                        % {"name": target.legal_name, "code": stored},
                    )
            row.target = target
        else:
            name_key = (normalise_name(cleaned["legal_name"]), cleaned["kind"])
            if not row_codes and name_key[0]:
                if name_key in seen_names:
                    row.error(
                        "legal_name",
                        _("Same organisation as row %(row)d.") % {"row": seen_names[name_key]},
                    )
                seen_names[name_key] = row.number
                same_name = _organisation_by_name(cleaned["legal_name"], cleaned["kind"])
                if len(same_name) == 1:
                    row.target = same_name[0]
        if row.errors:
            row.action = "error"
        elif row.target is not None:
            row.action = "update"
        else:
            row.candidates = registry.find_duplicate_candidates(
                legal_name=cleaned["legal_name"], email_domain=cleaned["email_domain"], limit=3
            )
            row.action = "flag" if row.candidates else "create"
    return ImportPreview(
        kind=ORGANISATIONS,
        filename=filename,
        columns=list(ORGANISATION_COLUMNS),
        rows=previews,
        ignored_columns=ignored,
    )


def _apply_organisation_row(row: RowPreview, *, actor: Any) -> None:
    cleaned = row.cleaned
    simple = (
        "kind",
        "legal_name",
        "tax_code",
        "vat_number",
        "website",
        "email_domain",
        "size",
        "sector",
    )
    if row.action == "update":
        organisation = row.target
        changed = []
        for column in simple:
            if column in ("tax_code", "vat_number") and getattr(organisation, column):
                continue  # codes are only filled in, never replaced by a file
            if cleaned[column] and getattr(organisation, column) != cleaned[column]:
                setattr(organisation, column, cleaned[column])
                changed.append(column)
        for column in ("local_group", "focus_group"):
            if cleaned[column] is not None and getattr(organisation, column) != cleaned[column]:
                setattr(organisation, column, cleaned[column])
                changed.append(column)
        if changed:
            organisation.save()
        existing = set(organisation.interests.values_list("pk", flat=True))
        new_interests = [area for area in cleaned["interests"] if area.pk not in existing]
        if new_interests:
            organisation.interests.add(*new_interests)
            changed.append("interests")
        if changed:
            log_action(
                actor=actor,
                action="stakeholders.organisation.changed",
                obj=organisation,
                payload={"source": "import", "fields": changed, "row": row.number},
            )
        return
    organisation = Organisation.objects.create(
        **{column: cleaned[column] for column in simple},
        local_group=bool(cleaned["local_group"]),
        focus_group=bool(cleaned["focus_group"]),
    )
    organisation.interests.add(*cleaned["interests"])
    row.target = organisation
    log_action(
        actor=actor,
        action="stakeholders.organisation.created",
        obj=organisation,
        payload={"source": "import", "row": row.number},
    )
    for candidate in row.candidates:
        DuplicateFlag.objects.get_or_create(
            organisation=organisation,
            candidate=candidate.organisation,
            defaults={"reason": candidate.reason, "similarity": candidate.similarity},
        )
        log_action(
            actor=actor,
            action="stakeholders.organisation.duplicate_flagged",
            obj=organisation,
            payload={
                "candidate": candidate.organisation.pk,
                "reason": candidate.reason,
                "similarity": candidate.similarity,
            },
        )


# --- Contacts ------------------------------------------------------------------------------


def preview_contacts(*, headers: list[Any], rows: list[list[str]], filename: str) -> ImportPreview:
    keys, ignored = _map_headers(
        headers, CONTACT_COLUMNS, {**HEADER_ALIASES, **CONTACT_HEADER_ALIASES}
    )
    missing = [c for c in ("first_name", "last_name", "email") if c not in keys]
    if "organisation_tax_code" not in keys and "organisation_name" not in keys:
        missing.append("organisation_tax_code / organisation_name")
    if missing:
        raise ImportFileError(
            _("Missing columns: %(columns)s. The first row must name the columns: %(all)s.")
            % {"columns": ", ".join(missing), "all": ", ".join(CONTACT_COLUMNS)}
        )
    previews = []
    for index, cells in enumerate(rows, start=2):
        if not any(cells):
            continue
        row = RowPreview(number=index, values=_row_values(keys, cells, CONTACT_COLUMNS))
        _clean_contact_row(row)
        previews.append(row)

    codes = {
        row.cleaned["organisation_tax_code"]
        for row in previews
        if row.cleaned.get("organisation_tax_code")
    }
    by_code = _organisations_by_code(codes)
    by_name: dict[str, list[Organisation]] = {}
    seen: dict[tuple[int, str], int] = {}
    pending: list[RowPreview] = []
    for row in previews:
        code, name = (
            row.cleaned.get("organisation_tax_code", ""),
            row.cleaned.get("organisation_name", ""),
        )
        organisation = None
        if code:
            organisation = by_code.get(code)
            if organisation is None and not name:
                row.error(
                    "organisation_tax_code",
                    _(
                        "No organisation in the registry has this code: "
                        "import the organisations first."
                    ),
                )
        if organisation is None and name and not row.error_columns & {"organisation_name"}:
            if name not in by_name:
                by_name[name] = _organisation_by_name(name)
            found = by_name[name]
            if len(found) > 1:
                row.error(
                    "organisation_name",
                    _("Several organisations are called %(name)s: add the tax code.")
                    % {"name": name},
                )
            elif found:
                organisation = found[0]
            else:
                row.error(
                    "organisation_name",
                    _(
                        "No organisation in the registry is called %(name)s: "
                        "import the organisations first."
                    )
                    % {"name": name},
                )
        row.cleaned["organisation"] = organisation
        if organisation is not None and row.cleaned.get("email"):
            key = (organisation.pk, row.cleaned["email"].lower())
            if key in seen:
                row.error("email", _("Same contact as row %(row)d.") % {"row": seen[key]})
            seen.setdefault(key, row.number)
            pending.append(row)
    # Existing contacts, matched by e-mail within their organisation, in one query.
    emails = {row.cleaned["email"].lower() for row in pending}
    existing = {}
    if emails:
        existing = {
            (contact.organisation_id, contact.email.lower()): contact
            for contact in ContactPerson.objects.annotate(email_lower=Lower("email")).filter(
                organisation__in={row.cleaned["organisation"].pk for row in pending},
                email_lower__in=emails,
            )
        }
    for row in previews:
        organisation = row.cleaned.get("organisation")
        if organisation is not None and row.cleaned.get("email"):
            row.target = existing.get((organisation.pk, row.cleaned["email"].lower()))
        row.action = "error" if row.errors else ("update" if row.target else "create")
    return ImportPreview(
        kind=CONTACTS,
        filename=filename,
        columns=list(CONTACT_COLUMNS),
        rows=previews,
        ignored_columns=ignored,
    )


def _clean_contact_row(row: RowPreview) -> None:
    values, cleaned = row.values, row.cleaned
    code = values["organisation_tax_code"].strip()
    cleaned["organisation_tax_code"] = ""
    if code:
        try:
            cleaned["organisation_tax_code"] = registry.normalise_tax_code(_code_cell(code))
        except ValidationError as exc:
            row.error("organisation_tax_code", exc.messages[0])
            cleaned["organisation_tax_code"] = ""
    cleaned["organisation_name"] = _text(row, "organisation_name", max_length=200)
    if not code and not cleaned["organisation_name"]:
        row.error("organisation_name", _("Give the organisation's tax code or legal name."))
    cleaned["first_name"] = _text(row, "first_name", max_length=100, required=True)
    cleaned["last_name"] = _text(row, "last_name", max_length=100, required=True)
    cleaned["role"] = _text(row, "role", max_length=120)
    email = values["email"].strip()
    cleaned["email"] = ""
    if not email:
        row.error("email", _("This column is required."))
    else:
        try:
            validate_email(email)
            if len(email) > 254:
                raise ValidationError("too long")
            cleaned["email"] = email
        except ValidationError:
            row.error("email", _("Enter a valid e-mail address."))
    phone = values["phone"].strip()
    if phone and not _PHONE_RE.match(phone):
        row.error("phone", _("Enter a phone number with digits, spaces and an optional +."))
    cleaned["phone"] = phone
    language = values["language"].strip().lower()
    languages = {
        "": "it",
        "it": "it",
        "ita": "it",
        "italiano": "it",
        "italian": "it",
        "en": "en",
        "eng": "en",
        "english": "en",
        "inglese": "en",
    }
    cleaned["language"] = languages.get(language, "")
    if not cleaned["language"]:
        row.error("language", _("Use it or en."))


def _apply_contact_row(row: RowPreview, *, actor: Any) -> None:
    cleaned = row.cleaned
    fields = ("first_name", "last_name", "role", "email", "phone", "language")
    if row.action == "update":
        contact = row.target
        changed = [f for f in fields if cleaned[f] and getattr(contact, f) != cleaned[f]]
        if changed:
            for name in changed:
                setattr(contact, name, cleaned[name])
            contact.save(update_fields=changed)
            log_action(
                actor=actor,
                action="stakeholders.contactperson.changed",
                obj=contact,
                payload={"source": "import", "fields": changed, "row": row.number},
            )
        return
    organisation = cleaned["organisation"]
    contact = ContactPerson.objects.create(
        organisation=organisation,
        is_primary=not ContactPerson.objects.filter(organisation=organisation).exists(),
        **{f: cleaned[f] for f in fields},
    )
    row.target = contact
    log_action(
        actor=actor,
        action="stakeholders.contactperson.created",
        obj=contact,
        payload={"source": "import", "organisation": organisation.pk, "row": row.number},
    )


# --- Entry points ------------------------------------------------------------------------


def preview_file(*, kind: str, content: bytes, filename: str) -> ImportPreview:
    """Parse and validate the whole file; write nothing."""
    headers, rows = read_rows(content=content, filename=filename)
    if kind == ORGANISATIONS:
        return preview_organisations(headers=headers, rows=rows, filename=filename)
    if kind == CONTACTS:
        return preview_contacts(headers=headers, rows=rows, filename=filename)
    raise ValueError(f"unknown import kind {kind!r}")


def import_file(
    *,
    kind: str,
    content: bytes,
    filename: str,
    actor: Any,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPreview:
    """Import the whole file in one transaction, or raise ``ImportNotValid`` writing nothing.

    The file is validated again inside the transaction (the registry may have changed since
    the preview), under a lock that lets one import run at a time. ``progress(done,
    total)`` is called as rows are written (see ``import_jobs``).
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('stakeholders.import'))")
        preview = preview_file(kind=kind, content=content, filename=filename)
        if not preview.is_valid:
            raise ImportNotValid(preview)
        apply_row = _apply_organisation_row if kind == ORGANISATIONS else _apply_contact_row
        model = "organisation" if kind == ORGANISATIONS else "contactperson"
        total = len(preview.rows)
        for done, row in enumerate(preview.rows, start=1):
            apply_row(row, actor=actor)
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        log_action(
            actor=actor,
            action=f"stakeholders.{model}.imported",
            payload={"filename": filename[:200], "counts": preview.counts},
        )
    return preview


# --- Export -------------------------------------------------------------------------------


def _safe(value: Any) -> Any:
    """Defuse spreadsheet formulas in exported text (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def organisation_rows(queryset: QuerySet[Organisation]) -> Iterable[list[Any]]:
    for organisation in queryset.prefetch_related("interests").order_by("legal_name", "pk"):
        yield [
            organisation.kind,
            organisation.legal_name,
            organisation.tax_code,
            organisation.vat_number,
            organisation.website,
            organisation.email_domain,
            organisation.size,
            organisation.sector,
            "; ".join(sorted(area.slug for area in organisation.interests.all())),
            _yes_no(organisation.local_group),
            _yes_no(organisation.focus_group),
        ]


def contact_rows(queryset: QuerySet[ContactPerson]) -> Iterable[list[Any]]:
    for contact in queryset.select_related("organisation").order_by(
        "organisation__legal_name", "last_name", "pk"
    ):
        organisation = contact.organisation
        yield [
            organisation.tax_code or organisation.vat_number,
            organisation.legal_name,
            contact.first_name,
            contact.last_name,
            contact.role,
            contact.email,
            contact.phone,
            contact.language,
        ]


def export(*, kind: str, queryset: QuerySet, fmt: str) -> bytes:
    """The queryset as a CSV (UTF-8 with BOM, for Excel) or XLSX file importable again."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    headers: tuple[str, ...] = ORGANISATION_COLUMNS if kind == ORGANISATIONS else CONTACT_COLUMNS
    rows = organisation_rows(queryset) if kind == ORGANISATIONS else contact_rows(queryset)
    dataset = tablib.Dataset(headers=list(headers))
    for row in rows:
        dataset.append([_safe(value) for value in row])
    if fmt == "csv":
        return ("\ufeff" + dataset.export("csv")).encode("utf-8")
    return dataset.export("xlsx")


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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
