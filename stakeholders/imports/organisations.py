"""Organisation rows: columns, validation against the registry, preview and writing."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.utils.translation import gettext as _

from needs.models import InterventionArea

from .. import duplicates, registry
from ..models import DuplicateFlag, Organisation
from ..names import normalise_name
from .reading import (
    _DOMAIN_RE,
    ORGANISATIONS,
    ImportFileError,
    ImportPreview,
    RowPreview,
    _boolean,
    _choice,
    _code_cell,
    _map_headers,
    _name,
    _row_values,
    _text,
)

# Columns copied as they are onto the organisation; the others are a relation and two flags.
TEXT_COLUMNS = (
    "kind",
    "legal_name",
    "tax_code",
    "vat_number",
    "website",
    "email_domain",
    "size",
    "sector",
)
ORGANISATION_COLUMNS = (*TEXT_COLUMNS, "interests", "local_group", "focus_group")
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
    cleaned["legal_name"] = _name(row, "legal_name", max_length=200, required=True)
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
            row.candidates = duplicates.find_duplicate_candidates(
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
    if row.action == "update":
        organisation = row.target
        changed = []
        for column in TEXT_COLUMNS:
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
            row.audit(
                action="stakeholders.organisation.changed",
                obj=organisation,
                actor=actor,
                fields=changed,
            )
        return
    organisation = Organisation.objects.create(
        **{column: cleaned[column] for column in TEXT_COLUMNS},
        local_group=bool(cleaned["local_group"]),
        focus_group=bool(cleaned["focus_group"]),
    )
    organisation.interests.add(*cleaned["interests"])
    row.target = organisation
    row.audit(action="stakeholders.organisation.created", obj=organisation, actor=actor)
    for candidate in row.candidates:
        DuplicateFlag.objects.get_or_create(
            organisation=organisation,
            candidate=candidate.organisation,
            defaults={"reason": candidate.reason, "similarity": candidate.similarity},
        )
        duplicates.log_flagged(organisation=organisation, candidate=candidate, actor=actor)
