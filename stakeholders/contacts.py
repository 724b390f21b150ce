"""Contact persons: one write path for the offer form, the stakeholder area and the admin.

The rule "an organisation with contacts has exactly one main contact" lives here and only
here (``_keep_one_main_contact``): whoever adds, changes or removes a contact goes through
these services, in one transaction, with one audit entry each
(``stakeholders.contact.created`` / ``.changed`` / ``.deleted``).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from contactpoint.audit import log_action

from .models import ContactPerson, Organisation

# Who the person is and how to reach them; a contact adds whether it is the main one.
PERSON_FIELDS = ("first_name", "last_name", "role", "email", "phone", "language")
CONTACT_FIELDS = (*PERSON_FIELDS, "is_primary")


def _clean(field: str, value: Any) -> Any:
    if field == "is_primary":
        return bool(value)
    if field == "email":
        return (value or "").strip().lower()
    return (value or "").strip()


def _validate(contact: ContactPerson) -> None:
    try:
        contact.full_clean(exclude=["organisation"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


def _keep_one_main_contact(*, organisation_id: int, chosen: ContactPerson | None) -> None:
    """A contact just made main takes over; an organisation left without one gets its
    longest-standing contact as main."""
    contacts = ContactPerson.objects.select_for_update().filter(organisation_id=organisation_id)
    if chosen is not None and chosen.is_primary:
        contacts.filter(is_primary=True).exclude(pk=chosen.pk).update(is_primary=False)
        return
    if contacts.filter(is_primary=True).exists():
        return
    first = contacts.order_by("created_at", "pk").first()
    if first is not None:
        contacts.filter(pk=first.pk).update(is_primary=True)
        if chosen is not None and chosen.pk == first.pk:
            chosen.is_primary = True


def add_contact(
    *,
    organisation: Organisation,
    data: Mapping[str, Any],
    actor: Any,
    source: str,
    new_organisation: bool = False,
) -> ContactPerson:
    """Add a contact person to ``organisation``; the first one becomes its main contact.

    ``new_organisation``: the organisation was created in the caller's transaction and has
    no contact yet, so this one is its main contact with nothing to look up or demote.
    Raises ``ValidationError`` by field on bad data (nothing is written then).
    """
    contact = ContactPerson(organisation=organisation)
    for field in CONTACT_FIELDS:
        if field in data:
            setattr(contact, field, _clean(field, data[field]))
    if new_organisation:
        contact.is_primary = True
    _validate(contact)
    # A new organisation's transaction is the caller's, and there is no main contact to demote.
    with nullcontext() if new_organisation else transaction.atomic():
        contact.save()
        if not new_organisation:
            _keep_one_main_contact(organisation_id=organisation.pk, chosen=contact)
        log_action(
            actor=actor,
            action="stakeholders.contact.created",
            obj=contact,
            payload={"organisation": organisation.pk, "source": source},
        )
    return contact


def change_contact(
    *, contact: ContactPerson, changes: Mapping[str, Any], actor: Any, source: str
) -> ContactPerson:
    """Change a contact's fields (``CONTACT_FIELDS``); audited when something changed."""
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    with transaction.atomic():
        contact = ContactPerson.objects.select_for_update().get(pk=contact.pk)
        changed = []
        for field, value in changes.items():
            value = _clean(field, value)
            if getattr(contact, field) != value:
                setattr(contact, field, value)
                changed.append(field)
        if not changed:
            return contact
        _validate(contact)
        contact.save()
        _keep_one_main_contact(organisation_id=contact.organisation_id, chosen=contact)
        log_action(
            actor=actor,
            action="stakeholders.contact.changed",
            obj=contact,
            payload={"organisation": contact.organisation_id, "fields": changed, "source": source},
        )
    return contact


def remove_contact(*, contact: ContactPerson, actor: Any, source: str) -> None:
    """Delete a contact person (and its consents); another contact becomes main if needed."""
    with transaction.atomic():
        contact = (
            ContactPerson.objects.select_for_update()
            .select_related("organisation")
            .get(pk=contact.pk)
        )
        organisation = contact.organisation
        log_action(
            actor=actor,
            action="stakeholders.contact.deleted",
            obj=organisation,
            payload={"id": contact.pk, "repr": str(contact)[:200], "source": source},
        )
        contact.delete()
        _keep_one_main_contact(organisation_id=organisation.pk, chosen=None)
