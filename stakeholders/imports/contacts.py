"""Contact rows: columns, validation, preview and writing within their organisation."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from .. import registry
from ..contacts import PERSON_FIELDS
from ..models import ContactPerson, Organisation
from .organisations import HEADER_ALIASES, _organisation_by_name, _organisations_by_code
from .reading import (
    _PHONE_RE,
    CONTACTS,
    ImportFileError,
    ImportPreview,
    RowPreview,
    _code_cell,
    _map_headers,
    _name,
    _row_values,
    _text,
)

CONTACT_COLUMNS = ("organisation_tax_code", "organisation_name", *PERSON_FIELDS)
CONTACT_HEADER_ALIASES = {
    "nome": "first_name",
    "name": "first_name",
    "organisation": "organisation_name",
}


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
    cleaned["organisation_name"] = _name(row, "organisation_name", max_length=200)
    if not code and not cleaned["organisation_name"]:
        row.error("organisation_name", _("Give the organisation's tax code or legal name."))
    cleaned["first_name"] = _name(row, "first_name", max_length=100, required=True)
    cleaned["last_name"] = _name(row, "last_name", max_length=100, required=True)
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
            row.audit(
                action="stakeholders.contactperson.changed",
                obj=contact,
                actor=actor,
                fields=changed,
            )
        return
    organisation = cleaned["organisation"]
    contact = ContactPerson.objects.create(
        organisation=organisation,
        is_primary=not ContactPerson.objects.filter(organisation=organisation).exists(),
        **{f: cleaned[f] for f in fields},
    )
    row.target = contact
    row.audit(
        action="stakeholders.contactperson.created",
        obj=contact,
        actor=actor,
        organisation=organisation.pk,
    )
