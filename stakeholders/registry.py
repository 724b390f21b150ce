"""The stakeholder registry: one organisation per real-world body, however it reaches us.

Every way an organisation enters the registry (the public offer form, the API, an import,
the admin) goes through :func:`resolve_organisation`, so the same tax code always lands on
the same record and a look-alike is flagged for staff instead of silently duplicated.
:func:`merge_organisations` is the way back when a duplicate slipped through anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.it import codicefiscale, iva

from contactpoint.audit import log_action

from . import merging
from .models import (
    Consent,
    ContactPerson,
    DuplicateFlag,
    Interaction,
    Offer,
    Organisation,
)
from .names import normalise_name

# Similar names above this pg_trgm similarity (after dropping legal suffixes) are flagged.
NAME_SIMILARITY_THRESHOLD = 0.5

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


# --- Resolving an organisation --------------------------------------------------------------


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
    found = Organisation.objects.active().filter(match).order_by("pk").first()
    if found is not None:
        return found
    merged = Organisation.objects.filter(match).order_by("pk").first()
    return survivor_of(merged) if merged is not None else None


@dataclass(frozen=True)
class DuplicateCandidate:
    organisation: Organisation
    reason: str  # DuplicateReason values joined by ","
    similarity: float


class DuplicateReason:
    EMAIL_DOMAIN = "email_domain"
    SIMILAR_NAME = "similar_name"
    # Raised by an offer about the organisation it was linked to (see flag_offer_for_review).
    OTHER_NAME = "other_name"
    CONTACT_MAIL_DOMAIN = "contact_mail_domain"

    LABELS = {
        EMAIL_DOMAIN: _("same e-mail domain"),
        SIMILAR_NAME: _("similar name"),
        OTHER_NAME: _("known tax code or VAT number under another name"),
        CONTACT_MAIL_DOMAIN: _("new contact from another e-mail domain"),
    }


def describe_reason(reason: str) -> str:
    """Human label of a stored ``DuplicateFlag.reason`` ("same e-mail domain, similar name")."""
    return ", ".join(
        str(DuplicateReason.LABELS.get(part, part)) for part in reason.split(",") if part
    )


def find_duplicate_candidates(
    *, legal_name: str, email_domain: str = "", exclude_pk: int | None = None, limit: int = 10
) -> list[DuplicateCandidate]:
    """Active organisations that may be the same body: same own domain, or similar name.

    Names are compared on their distinctive part (``name_key``, see ``names.py``) with
    pg_trgm; the ``%`` operator can use the trigram index on the stored key.
    """
    name = normalise_name(legal_name)
    queryset = Organisation.objects.active()
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    condition = Q()
    if email_domain:
        condition |= Q(email_domain=email_domain)
    if name:
        # "%" (pg_trgm's default threshold, 0.3) lets the index pick candidates; the exact
        # threshold is checked on them.
        queryset = queryset.annotate(
            similarity=TrigramSimilarity("name_key", Value(name))  # type: ignore[arg-type]
        )
        condition |= Q(name_key__trigram_similar=name, similarity__gte=NAME_SIMILARITY_THRESHOLD)
    else:
        queryset = queryset.annotate(similarity=Value(0.0, output_field=models.FloatField()))
    if not condition:
        return []
    rows = list(queryset.filter(condition).order_by("-similarity", "pk")[:limit])
    candidates = []
    for organisation in rows:
        similarity = float(organisation.similarity)  # type: ignore[attr-defined]
        reasons = []
        if email_domain and organisation.email_domain == email_domain:
            reasons.append(DuplicateReason.EMAIL_DOMAIN)
        if similarity >= NAME_SIMILARITY_THRESHOLD:
            reasons.append(DuplicateReason.SIMILAR_NAME)
        if reasons:
            candidates.append(
                DuplicateCandidate(
                    organisation=organisation,
                    reason=",".join(reasons),
                    similarity=round(similarity, 3),
                )
            )
    return candidates


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


def resolve_organisation(
    *,
    legal_name: str,
    kind: str,
    tax_code: str = "",
    vat_number: str = "",
    email: str = "",
    website: str = "",
    actor: Any = None,
    source: str = "form",
) -> tuple[Organisation, bool]:
    """Return ``(organisation, created)`` for the body described, never a second copy.

    An active organisation with the same tax code or VAT number is returned as it is.
    Otherwise a new one is created and, when others share its own e-mail domain or have a
    similar name, ``DuplicateFlag`` rows ask staff to merge or dismiss. Must run inside the
    caller's transaction (the audit entry commits with it).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("resolve_organisation must run inside a transaction")
    errors: dict[str, list[str]] = {}
    try:
        legal_name, tax_code, vat_number = clean_organisation_identity(
            legal_name=legal_name, kind=kind, tax_code=tax_code, vat_number=vat_number
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        website = clean_website(website)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    existing = find_by_codes(tax_code=tax_code, vat_number=vat_number)
    if existing is not None:
        return existing, False

    domain = organisation_domain(email=email, website=website)
    organisation = Organisation(
        kind=kind,
        legal_name=legal_name,
        tax_code=tax_code,
        vat_number=vat_number,
        website=website,
        email_domain=domain,
    )
    try:
        # A savepoint: a concurrent request that just created the same code wins, and this
        # one links to it instead of failing.
        with transaction.atomic():
            organisation.save()
    except IntegrityError:
        existing = find_by_codes(tax_code=tax_code, vat_number=vat_number)
        if existing is None:
            raise
        return existing, False
    log_action(
        actor=actor,
        action="stakeholders.organisation.created",
        obj=organisation,
        payload={"source": source, "kind": kind, "has_tax_code": bool(tax_code or vat_number)},
    )
    flag_possible_duplicates(organisation=organisation, actor=actor)
    return organisation, True


def flag_possible_duplicates(
    *, organisation: Organisation, actor: Any = None
) -> list[DuplicateFlag]:
    """Record open ``DuplicateFlag`` rows for the organisation's look-alikes; return new ones."""
    candidates = find_duplicate_candidates(
        legal_name=organisation.legal_name,
        email_domain=organisation.email_domain,
        exclude_pk=organisation.pk,
    )
    flags = []
    for candidate in candidates:
        # Either direction may already exist (an earlier flag, or a dismissed one).
        already = DuplicateFlag.objects.filter(
            Q(organisation=organisation, candidate=candidate.organisation)
            | Q(organisation=candidate.organisation, candidate=organisation),
            offer__isnull=True,
        ).exists()
        if already:
            continue
        flag = DuplicateFlag.objects.create(
            organisation=organisation,
            candidate=candidate.organisation,
            reason=candidate.reason,
            similarity=candidate.similarity,
        )
        flags.append(flag)
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
    return flags


def _mail_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def contact_domain_is_foreign(*, organisation: Organisation, email: str) -> bool:
    """Whether ``email`` comes from outside the organisation's known mail domains: its own
    domain, or (when it has none) the domains of its other contacts."""
    domain = _mail_domain(email)
    if organisation.email_domain:
        known = {organisation.email_domain}
    else:
        known = {
            _mail_domain(address)
            for address in organisation.contacts.exclude(email__iexact=email).values_list(
                "email", flat=True
            )
        } - {""}
    return bool(domain and known and domain not in known)


def flag_offer_for_review(
    *, offer: Offer, organisation: Organisation, contact_created: bool, actor: Any = None
) -> list[DuplicateFlag]:
    """Show staff what an offer linked to a known organisation did not say the same way.

    The offer's tax code or VAT number found ``organisation``, but the submitter typed
    another name (its distinctive part differs), or a new contact was added from another
    mail domain. The offer stays linked (the code is the stronger evidence); an open
    ``DuplicateFlag`` with both names asks staff to confirm, correct or merge.
    """
    typed = offer.submitted_organisation_name
    reasons = []
    if typed and normalise_name(typed) != normalise_name(organisation.legal_name):
        reasons.append(DuplicateReason.OTHER_NAME)
    if contact_created and contact_domain_is_foreign(
        organisation=organisation, email=offer.submitted_email
    ):
        reasons.append(DuplicateReason.CONTACT_MAIL_DOMAIN)
    flags = []
    for reason in reasons:
        flag, created = DuplicateFlag.objects.get_or_create(
            offer=offer,
            reason=reason,
            defaults={
                "organisation": organisation,
                "candidate": organisation,
                "submitted_name": typed[:200],
            },
        )
        if not created:
            continue
        flags.append(flag)
        log_action(
            actor=actor,
            action="stakeholders.organisation.duplicate_flagged",
            obj=organisation,
            payload={
                "offer": offer.pk,
                "reason": reason,
                "registered_name": organisation.legal_name,
                "submitted_name": typed,
                "contact_mail_domain": _mail_domain(offer.submitted_email),
            },
        )
    return flags


# --- Merging ------------------------------------------------------------------------------

# The merge itself lives in its own module; these names stay reachable from the registry.
merge_organisations = merging.merge_organisations
merge_preview = merging.merge_preview


def dismiss_duplicate_flag(*, flag: DuplicateFlag, actor: Any) -> DuplicateFlag:
    """Staff looked at the pair and they are different organisations."""
    with transaction.atomic():
        flag = DuplicateFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.resolved_at is not None:
            return flag
        flag.resolved_at = timezone.now()
        flag.resolution = "dismissed"
        flag.save(update_fields=["resolved_at", "resolution"])
        log_action(
            actor=actor,
            action="stakeholders.duplicateflag.dismissed",
            obj=flag.organisation,
            payload={"flag": flag.pk, "candidate": flag.candidate_id},
        )
    return flag


# --- Consent and relationship history ---------------------------------------------------------


def give_consent(
    *,
    contact: ContactPerson,
    purpose: str,
    text_version: str | None = None,
    source: str = "form",
    actor: Any = None,
) -> Consent:
    """Record that ``contact`` agreed to ``purpose`` on ``text_version`` (now).

    Agreeing again to the same purpose and version while the consent is active changes
    nothing and returns the existing record.
    """
    from .consent import CONSENT_TEXT_VERSION

    if purpose not in Consent.Purpose.values:
        raise ValidationError({"purpose": [_("Choose a valid consent purpose.")]})
    version = text_version or CONSENT_TEXT_VERSION
    with transaction.atomic():
        existing = (
            Consent.objects.select_for_update()
            .filter(contact=contact, purpose=purpose, text_version=version, withdrawn_at=None)
            .first()
        )
        if existing is not None:
            return existing
        consent = Consent.objects.create(
            contact=contact, purpose=purpose, text_version=version, source=source[:40]
        )
        log_action(
            actor=actor,
            action="stakeholders.consent.given",
            obj=consent,
            payload={
                "contact": contact.pk,
                "purpose": purpose,
                "text_version": version,
                "source": source,
            },
        )
    return consent


def withdraw_consent(*, consent: Consent, actor: Any = None, source: str = "admin") -> Consent:
    """Withdraw a consent (idempotent: withdrawing twice keeps the first date)."""
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_at is not None:
            return consent
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        log_action(
            actor=actor,
            action="stakeholders.consent.withdrawn",
            obj=consent,
            payload={"contact": consent.contact_id, "purpose": consent.purpose, "source": source},
        )
    return consent


def record_interaction(
    *,
    organisation: Organisation,
    kind: str,
    subject: str,
    date: Any = None,
    contact: ContactPerson | None = None,
    notes: str = "",
    staff: Any = None,
    actor: Any = None,
) -> Interaction:
    """Add a meeting, call, event or message to the organisation's relationship history."""
    if contact is not None and contact.organisation_id != organisation.pk:
        raise ValidationError({"contact": [_("This person is not a contact of the organisation.")]})
    interaction = Interaction(
        organisation=organisation,
        contact=contact,
        kind=kind,
        subject=" ".join((subject or "").split()),
        notes=notes or "",
        staff=staff if staff is not None else (actor if getattr(actor, "pk", None) else None),
    )
    if date is not None:
        interaction.date = date
    interaction.full_clean(exclude=["organisation", "contact", "staff"])
    with transaction.atomic():
        interaction.save()
        log_action(
            actor=actor,
            action="stakeholders.interaction.recorded",
            obj=organisation,
            payload={"interaction": interaction.pk, "kind": kind, "date": str(interaction.date)},
        )
    return interaction


INTERACTION_FIELDS = ("kind", "date", "contact", "subject", "notes")


def change_interaction(
    *, interaction: Interaction, changes: dict[str, Any], actor: Any
) -> Interaction:
    """Correct a recorded interaction (``INTERACTION_FIELDS``); audited when it changed."""
    unknown = set(changes) - set(INTERACTION_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    with transaction.atomic():
        interaction = Interaction.objects.select_for_update().get(pk=interaction.pk)
        changed = [name for name, value in changes.items() if getattr(interaction, name) != value]
        if not changed:
            return interaction
        for name in changed:
            setattr(interaction, name, changes[name])
        contact = interaction.contact
        if contact is not None and contact.organisation_id != interaction.organisation_id:
            raise ValidationError(
                {"contact": [_("This person is not a contact of the organisation.")]}
            )
        interaction.full_clean(exclude=["organisation", "contact", "staff"])
        interaction.save()
        log_action(
            actor=actor,
            action="stakeholders.interaction.changed",
            obj=interaction.organisation,
            payload={"id": interaction.pk, "fields": changed},
        )
    return interaction


def delete_interaction(*, interaction: Interaction, actor: Any) -> None:
    """Remove an interaction from the relationship history; audited on the organisation."""
    with transaction.atomic():
        organisation = interaction.organisation
        log_action(
            actor=actor,
            action="stakeholders.interaction.deleted",
            obj=organisation,
            payload={"id": interaction.pk, "subject": interaction.subject[:200]},
        )
        interaction.delete()


# --- Editing ----------------------------------------------------------------------------------

# Plain fields staff may change through the API (codes are validated, the rest is data).
EDITABLE_FIELDS = (
    "kind",
    "legal_name",
    "tax_code",
    "vat_number",
    "website",
    "email_domain",
    "email_domain_verified",
    "size",
    "sector",
    "description",
    "allow_logo_use",
    "allow_press",
    "allow_social",
    "relationship_owner",
    "local_group",
    "focus_group",
)
EDITABLE_RELATIONS = ("interests", "preferred_municipi", "preferred_neighbourhoods", "member_of")


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


def register_organisation(
    *,
    organisation: Organisation,
    relations: dict[str, Any] | None = None,
    actor: Any,
    source: str,
) -> list[DuplicateFlag]:
    """Save a new organisation staff filled in (the admin), audited, and flag its
    look-alikes; return the new flags. Codes are validated and must be unique.

    ``organisation`` is unsaved; ``relations`` maps ``EDITABLE_RELATIONS`` to values.
    """
    legal_name, tax_code, vat_number = clean_organisation_identity(
        legal_name=organisation.legal_name,
        kind=organisation.kind,
        tax_code=organisation.tax_code,
        vat_number=organisation.vat_number,
    )
    errors = code_conflicts(tax_code=tax_code, vat_number=vat_number, exclude_pk=None)
    if errors:
        raise ValidationError(errors)
    organisation.legal_name, organisation.tax_code = legal_name, tax_code
    organisation.vat_number = vat_number
    with transaction.atomic():
        organisation.save()
        for relation, values in (relations or {}).items():
            if relation in EDITABLE_RELATIONS:
                getattr(organisation, relation).set(values)
        log_action(
            actor=actor,
            action="stakeholders.organisation.created",
            obj=organisation,
            payload={"source": source, "kind": organisation.kind},
        )
        return flag_possible_duplicates(organisation=organisation, actor=actor)


def update_organisation(
    *, organisation: Organisation, changes: dict[str, Any], actor: Any, source: str = "api"
) -> Organisation:
    """Change an organisation's profile; codes are validated and must stay unique.

    ``changes`` maps field names (``EDITABLE_FIELDS`` and ``EDITABLE_RELATIONS``) to new
    values; anything else is refused. Raises ``ValidationError`` naming the fields. The
    API, the admin and the stakeholder area (``source``) all change organisations here.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS) - set(EDITABLE_RELATIONS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.merged_into_id is not None:
            raise ValidationError(
                _("This organisation was merged into another one: change that one instead.")
            )
        legal_name, tax_code, vat_number = clean_organisation_identity(
            legal_name=changes.get("legal_name", organisation.legal_name),
            kind=changes.get("kind", organisation.kind),
            tax_code=changes.get("tax_code", organisation.tax_code),
            vat_number=changes.get("vat_number", organisation.vat_number),
        )
        errors = code_conflicts(
            tax_code=tax_code, vat_number=vat_number, exclude_pk=organisation.pk
        )
        if "member_of" in changes and any(
            getattr(network, "pk", network) == organisation.pk for network in changes["member_of"]
        ):
            errors["member_of"] = [_("An organisation cannot be a member of itself.")]
        if errors:
            raise ValidationError(errors)
        cleaned = {**changes, "legal_name": legal_name, "tax_code": tax_code}
        cleaned["vat_number"] = vat_number
        # A new domain is unverified until staff say otherwise.
        if (
            "email_domain" in changes
            and changes["email_domain"] != organisation.email_domain
            and "email_domain_verified" not in changes
        ):
            cleaned["email_domain_verified"] = False
            changes = {**changes, "email_domain_verified": False}
        changed = []
        for field in EDITABLE_FIELDS:
            if field in changes and getattr(organisation, field) != cleaned[field]:
                setattr(organisation, field, cleaned[field])
                changed.append(field)
        if changed:
            organisation.full_clean(exclude=["relationship_owner", "merged_into"])
            organisation.save()
        for relation in EDITABLE_RELATIONS:
            if relation in changes:
                manager = getattr(organisation, relation)
                before = set(manager.values_list("pk", flat=True))
                after = {getattr(item, "pk", item) for item in changes[relation]}
                if before != after:
                    manager.set(after)
                    changed.append(relation)
        if changed:
            log_action(
                actor=actor,
                action="stakeholders.organisation.changed",
                obj=organisation,
                payload={"source": source, "fields": changed},
            )
    return organisation
