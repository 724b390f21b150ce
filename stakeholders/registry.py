"""The stakeholder registry: one organisation per real-world body, however it reaches us.

Every way an organisation enters the registry (the public offer form, the API, an import,
the admin) goes through :func:`resolve_organisation`, so the same tax code always lands on
the same record and a look-alike is flagged for staff instead of silently duplicated.
:func:`merge_organisations` is the way back when a duplicate slipped through anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from contactpoint.audit import log_action
from contactpoint.changes import set_relations, stamp_once

from . import merging
from .duplicates import flag_possible_duplicates
from .identity import (
    clean_organisation_identity,
    clean_website,
    code_conflicts,
    find_by_codes,
    is_public_mail_domain,
    normalise_tax_code,
    normalise_vat_number,
    organisation_domain,
    survivor_of,
)
from .models import (
    Consent,
    ConsentText,
    ContactPerson,
    DuplicateFlag,
    Interaction,
    Organisation,
)
from .names import normalise_name
from .organisation_fields import EDITABLE_FIELDS, EDITABLE_RELATIONS

# Codes and domains are read here by many callers; they are defined in ``identity``.
__all__ = [
    "is_public_mail_domain",
    "normalise_name",
    "normalise_tax_code",
    "normalise_vat_number",
    "organisation_domain",
    "survivor_of",
]


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
    savepoint: bool = True,
) -> tuple[Organisation, bool]:
    """Return ``(organisation, created)`` for the body described, never a second copy.

    An active organisation with the same tax code or VAT number is returned as it is.
    Otherwise a new one is created and, when others share its own e-mail domain or have a
    similar name, ``DuplicateFlag`` rows ask staff to merge or dismiss. Must run inside the
    caller's transaction (the audit entry commits with it). ``savepoint=False``: a
    concurrent request that creates the same code first makes this one raise
    ``IntegrityError`` and roll the caller's transaction back (for callers that retry it).
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
        if savepoint:
            # A concurrent request that just created the same code wins, and this one
            # links to it instead of failing.
            with transaction.atomic():
                organisation.save()
        else:
            organisation.save()
    except IntegrityError:
        if not savepoint:
            raise
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


# --- Merging ------------------------------------------------------------------------------

# The merge itself lives in its own module; these names stay reachable from the registry.
merge_organisations = merging.merge_organisations
merge_preview = merging.merge_preview


# --- Consent and relationship history ---------------------------------------------------------


def give_consent(
    *,
    contact: ContactPerson,
    purpose: str,
    text_version: str | None = None,
    source: str = "form",
    actor: Any = None,
) -> Consent:
    """Record that ``contact`` agreed to ``purpose`` on ``text_version`` (now), by default
    the version in force, linking the exact wording (``ConsentText``).

    Agreeing again to the same purpose and version while the consent is active changes
    nothing and returns the existing record.
    """
    from .consent import text_in_force

    if purpose not in Consent.Purpose.values:
        raise ValidationError({"purpose": [_("Choose a valid consent purpose.")]})
    if text_version:
        text = ConsentText.objects.filter(purpose=purpose, version=text_version).first()
        version = text_version
    else:
        text = text_in_force(purpose)
        version = text.version
    with transaction.atomic():
        existing = (
            Consent.objects.select_for_update()
            .filter(contact=contact, purpose=purpose, text_version=version, withdrawn_at=None)
            .first()
        )
        if existing is not None:
            return existing
        consent = Consent.objects.create(
            contact=contact, purpose=purpose, text_version=version, text=text, source=source[:40]
        )
        _log_consent_given(consent, source=source, actor=actor)
    return consent


def _log_consent_given(consent: Consent, *, source: str, actor: Any) -> None:
    log_action(
        actor=actor,
        action="stakeholders.consent.given",
        obj=consent,
        payload={
            "contact": consent.contact_id,
            "purpose": consent.purpose,
            "text_version": consent.text_version,
            "source": source,
        },
    )


def give_consents_to_new_contact(
    *, contact: ContactPerson, purposes: Sequence[str], source: str = "form", actor: Any = None
) -> list[Consent]:
    """``give_consent`` for each purpose, for a contact created in the caller's transaction:
    it has no consent yet, so they are written in one INSERT (audited one by one), each on
    the version in force of its wording."""
    from .consent import texts_for_form

    if not connection.in_atomic_block:
        raise RuntimeError("give_consents_to_new_contact must run in the contact's transaction")
    if set(purposes) - set(Consent.Purpose.values):
        raise ValidationError({"purpose": [_("Choose a valid consent purpose.")]})
    wanted = list(dict.fromkeys(purposes))
    texts = texts_for_form(*wanted)
    consents = Consent.objects.bulk_create(
        Consent(
            contact=contact,
            purpose=purpose,
            text_version=texts[purpose].version,
            text=texts[purpose],
            source=source[:40],
        )
        for purpose in wanted
    )
    for consent in consents:
        _log_consent_given(consent, source=source, actor=actor)
    return consents


def withdraw_consent(*, consent: Consent, actor: Any = None, source: str = "admin") -> Consent:
    """Withdraw a consent (idempotent: withdrawing twice keeps the first date)."""
    with transaction.atomic():
        return stamp_once(
            consent,
            "withdrawn_at",
            actor=actor,
            action="stakeholders.consent.withdrawn",
            payload=lambda c: {"contact": c.contact_id, "purpose": c.purpose, "source": source},
        )


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


def interaction_values(interaction: Interaction) -> dict[str, Any]:
    """An unsaved interaction's fields, for :func:`record_interaction` (the admin's forms)."""
    return {name: getattr(interaction, name) for name in INTERACTION_FIELDS}


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
        changed += set_relations(organisation, changes, EDITABLE_RELATIONS)
        if changed:
            log_action(
                actor=actor,
                action="stakeholders.organisation.changed",
                obj=organisation,
                payload={"source": source, "fields": changed},
            )
    return organisation
