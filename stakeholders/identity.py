"""An organisation's identity: Italian tax codes, names and mail domains, websites, and
which active organisation already carries a code (merged ones lead to their survivor)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.it import codicefiscale, iva

from .models import (
    Organisation,
)

# Mail providers shared by unrelated people: two organisations using them are not related.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "libero.it",
        "hotmail.com",
        "hotmail.it",
        "outlook.com",
        "outlook.it",
        "live.com",
        "live.it",
        "msn.com",
        "yahoo.com",
        "yahoo.it",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.it",
        "virgilio.it",
        "tiscali.it",
        "alice.it",
        "tim.it",
        "tin.it",
        "fastwebnet.it",
        "email.it",
        "inwind.it",
        "iol.it",
        "katamail.com",
        "pec.it",
        "legalmail.it",
        "arubapec.it",
        "postecert.it",
        "pec.libero.it",
        "cert.legalmail.it",
        "pecimprese.it",
        "example.org",
        "example.com",
        "example.net",
    }
)
# Whole families of public providers (hotmail.fr, yahoo.co.uk, anything under a PEC provider).
_PUBLIC_MAIL_PREFIXES = ("hotmail.", "outlook.", "yahoo.", "live.", "gmx.")
_PUBLIC_MAIL_SUFFIXES = (".pec.it", ".legalmail.it", ".arubapec.it", ".postecert.it")

TAX_CODE_MESSAGE = _("Enter a valid Italian tax code (11 digits or 16 characters).")
VAT_NUMBER_MESSAGE = _("Enter a valid Italian VAT number (11 digits, optionally after IT).")


# --- Tax codes ------------------------------------------------------------------------------


def _compact(value: str) -> str:
    return re.sub(r"[\s.\-/]", "", value or "").upper()


def normalise_tax_code(value: str) -> str:
    """Return the codice fiscale upper case without spaces, or raise ``ValidationError``.

    11 digits is a legal person's code (same checksum as a VAT number); 16 characters is a
    natural person's code (sole traders). An empty value is allowed and stays empty.
    """
    code = _compact(value)
    if not code:
        return ""
    try:
        if len(code) == 11 and code.isdigit():
            return iva.validate(code)
        if len(code) == 16:
            return codicefiscale.validate(code)
    except StdnumValidationError:
        pass
    raise ValidationError(TAX_CODE_MESSAGE, code="invalid_tax_code")


def normalise_vat_number(value: str) -> str:
    """Return the partita IVA as 11 digits (an "IT" prefix dropped), or raise."""
    code = _compact(value)
    if code.startswith("IT"):
        code = code[2:]
    if not code:
        return ""
    try:
        if len(code) == 11 and code.isdigit():
            return iva.validate(code)
    except StdnumValidationError:
        pass
    raise ValidationError(VAT_NUMBER_MESSAGE, code="invalid_vat_number")


# --- Names and domains ----------------------------------------------------------------------


def is_public_mail_domain(domain: str) -> bool:
    domain = domain.lower().strip(".")
    return (
        domain in PUBLIC_MAIL_DOMAINS
        or domain.startswith(_PUBLIC_MAIL_PREFIXES)
        or domain.endswith(_PUBLIC_MAIL_SUFFIXES)
    )


def organisation_domain(*, email: str = "", website: str = "") -> str:
    """The organisation's own domain from an e-mail (preferred) or a website, or "".

    Public mail providers ("gmail.com", PEC providers) give nothing: sharing them says
    nothing about two organisations.
    """
    if email and "@" in email:
        domain = email.rsplit("@", 1)[1].strip().lower().strip(".")
        if domain and not is_public_mail_domain(domain):
            return domain[:100]
    if website:
        host = urlsplit(website if "//" in website else f"//{website}").hostname or ""
        host = host.lower().removeprefix("www.")
        if host and "." in host and not is_public_mail_domain(host):
            return host[:100]
    return ""


# --- Resolving codes ----------------------------------------------------------------------


def survivor_of(organisation: Organisation) -> Organisation:
    """Follow ``merged_into`` to the organisation that absorbed this one (or itself)."""
    seen = {organisation.pk}
    while organisation.merged_into_id is not None:
        if organisation.merged_into_id in seen:  # a loop would be a bug; stop rather than spin
            break
        seen.add(organisation.merged_into_id)
        organisation = Organisation.objects.get(pk=organisation.merged_into_id)
    return organisation


def find_by_codes(*, tax_code: str, vat_number: str) -> Organisation | None:
    """The active organisation carrying either (already normalised) code, if any.

    A company's 11-digit codice fiscale usually equals its partita IVA, so each code is
    looked up in both columns. Merged organisations lead to their survivor.
    """
    codes = {code for code in (tax_code, vat_number) if code}
    if not codes:
        return None
    match = Q(tax_code__in=codes) | Q(vat_number__in=codes)
    # One query: the first active one, else the first merged one (then its survivor).
    found = (
        Organisation.objects.filter(match)
        .order_by(Case(When(merged_into__isnull=True, then=Value(0)), default=Value(1)), "pk")
        .first()
    )
    if found is None or found.merged_into_id is None:
        return found
    return survivor_of(found)


def clean_website(value: str) -> str:
    """An http(s) address of at most 200 characters ("www.x.it" gets https://), or raise."""
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = f"https://{value}"
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(
            {"website": [_("Enter a valid web address, e.g. https://www.example.it.")]}
        ) from None
    if len(value) > 200:
        raise ValidationError(
            {"website": [_("The web address can be at most 200 characters long.")]}
        )
    return value


def clean_organisation_identity(
    *, legal_name: str, kind: str, tax_code: str = "", vat_number: str = ""
) -> tuple[str, str, str]:
    """Validate the identifying fields; return (legal_name, tax_code, vat_number) cleaned.

    Raises one ``ValidationError`` naming every bad field.
    """
    errors: dict[str, list[Any]] = {}
    legal_name = " ".join((legal_name or "").split())
    max_length = Organisation._meta.get_field("legal_name").max_length or 200
    if not legal_name:
        errors["legal_name"] = [_("Enter the organisation's legal name.")]
    elif len(legal_name) > max_length:
        errors["legal_name"] = [
            _("The legal name can be at most %(max)d characters long.") % {"max": max_length}
        ]
    if kind not in Organisation.Kind.values:
        errors["kind"] = [_("Choose a valid kind of organisation.")]
    try:
        tax_code = normalise_tax_code(tax_code)
    except ValidationError as exc:
        errors["tax_code"] = exc.messages
    try:
        vat_number = normalise_vat_number(vat_number)
    except ValidationError as exc:
        errors["vat_number"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return legal_name, tax_code, vat_number


def code_conflicts(*, tax_code: str, vat_number: str, exclude_pk: int | None) -> dict[str, list]:
    """Errors by field for (normalised) codes another active organisation already has."""
    errors: dict[str, list[Any]] = {}
    for field, code in (("tax_code", tax_code), ("vat_number", vat_number)):
        if not code:
            continue
        others = Organisation.objects.active().filter(Q(tax_code=code) | Q(vat_number=code))
        if exclude_pk is not None:
            others = others.exclude(pk=exclude_pk)
        other = others.first()
        if other is not None:
            errors[field] = [
                _("%(name)s already has this code: merge the two instead.")
                % {"name": other.legal_name}
            ]
    return errors
