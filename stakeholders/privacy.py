"""GDPR services: who a person is, their complete data export, and their anonymisation.

A person is a stakeholder user account and/or the contact persons carrying one of their
e-mail addresses (the same person may be the contact of several organisations).
Anonymisation keeps every row that a figure counts (offers, matches, collaborations, survey
answers, training attendances) and replaces what identifies the person: their contact rows
and user account are rewritten, and :func:`contactpoint.privacy.sweep` replaces their
e-mails, names and phone numbers in every text column of the database (notes, audit
payloads, survey answers...). KPIs are computed from those rows and stay the same; only the
share of organisations with a consent in force counts the withdrawn consents, as it should.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contactpoint import privacy, roles
from contactpoint.audit import log_action
from contactpoint.models import AuditEntry
from needs.language import offer_lemmas

from . import consent
from .contacts import PERSON_FIELDS
from .models import (
    Consent,
    ContactPerson,
    ErasureRequest,
    Interaction,
    Offer,
    OrganisationMembership,
    PersonErasure,
)


def _email_q(field: str, emails: tuple[str, ...]) -> Q:
    condition = Q(pk__in=[])
    for email in emails:
        condition |= Q(**{f"{field}__iexact": email})
    return condition


def _person(*, user: Any, emails: set[str]) -> privacy.Person:
    emails = {email.strip().lower() for email in emails if email and email.strip()}
    contacts = list(ContactPerson.objects.filter(_email_q("email", tuple(emails))))
    names = {f"{c.first_name} {c.last_name}" for c in contacts if c.erased_at is None}
    # Only memberships open an organisation's records: a contact row may have been moved to
    # an organisation the person does not act for (a merge), and shows only their own.
    organisation_ids: set[int] = set()
    if user is not None:
        names.add(f"{user.first_name} {user.last_name}")
        organisation_ids.update(
            OrganisationMembership.objects.filter(user=user).values_list(
                "organisation_id", flat=True
            )
        )
    return privacy.Person(
        user=user,
        emails=tuple(sorted(emails)),
        contact_ids=tuple(sorted(c.pk for c in contacts)),
        organisation_ids=tuple(sorted(organisation_ids)),
        names=tuple(sorted(name for name in names if name.strip())),
        phones=tuple(sorted({c.phone for c in contacts if c.phone})),
    )


def person_for_user(user: Any) -> privacy.Person:
    """The user and the contacts carrying one of their verified addresses."""
    emails = set(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    if user.email:
        emails.add(user.email)
    return _person(user=user, emails=emails)


def person_for_contact(contact: ContactPerson) -> privacy.Person:
    """The contact, every contact with the same address, and the stakeholder account that
    verified it (never a staff account)."""
    email = contact.email.strip().lower()
    user_ids = set(
        EmailAddress.objects.filter(email__iexact=email, verified=True).values_list(
            "user_id", flat=True
        )
    )
    users = [
        user
        for user in get_user_model().objects.filter(Q(pk__in=user_ids) | Q(email__iexact=email))
        if not roles.is_city_staff(user) and not user.is_superuser
    ]
    if len(users) == 1:
        return person_for_user(users[0])
    return _person(user=None, emails={email})


# --- Export ----------------------------------------------------------------------------------


def contacts_export(person: privacy.Person) -> list[dict[str, Any]]:
    """The person's own contact rows with their consents (and the wording agreed to) and
    the relationship history recorded about them."""
    contacts = (
        ContactPerson.objects.filter(pk__in=person.contact_ids)
        .select_related("organisation")
        .prefetch_related("consents__text", "interactions")
        .order_by("pk")
    )
    return [
        {
            "id": contact.pk,
            "organisation": {
                "id": contact.organisation_id,
                "name": contact.organisation.legal_name,
            },
            **privacy.plain_values(contact, PERSON_FIELDS),
            "created_at": privacy.iso(contact.created_at),
            "consents": [
                {
                    "purpose": consent.purpose,
                    "text_version": consent.text_version,
                    "text_it": consent.text.text_in("it") if consent.text else None,
                    "text_en": consent.text.text_in("en") if consent.text else None,
                    "given_at": privacy.iso(consent.given_at),
                    "withdrawn_at": privacy.iso(consent.withdrawn_at),
                    "source": consent.source,
                }
                for consent in contact.consents.all()
            ],
            "interactions": [
                {
                    "date": privacy.iso(interaction.date),
                    "kind": interaction.kind,
                    "subject": interaction.subject,
                    "notes": interaction.notes,
                }
                for interaction in contact.interactions.all()
            ],
        }
        for contact in contacts
    ]


def own_audit_export(person: privacy.Person) -> list[dict[str, Any]]:
    """What the person did themselves (requests, exports, consents), from the audit trail."""
    if person.user is None:
        return []
    return [
        {"at": privacy.iso(entry.created_at), "action": entry.action, "object": entry.object_repr}
        for entry in AuditEntry.objects.filter(actor=person.user).order_by("created_at", "pk")
    ]


def log_personal_data_read(*, actor: Any, what: str, obj: Any = None, **payload: Any) -> None:
    """Record that staff read personal data in bulk (an export or a contact list)."""
    with transaction.atomic():
        log_action(actor=actor, action=f"stakeholders.{what}.read", obj=obj, payload=payload)


def staff_export(*, contact: ContactPerson, actor: Any) -> dict[str, Any]:
    """The complete export of a contact's person, read by staff in the admin; audited."""
    person = person_for_contact(contact)
    document = {
        "format": "contactpoint-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "emails": list(person.emails),
        "contacts": contacts_export(person),
        **privacy.export_sections(person),
        "own_actions": own_audit_export(person),
    }
    log_personal_data_read(
        actor=actor, what="personal_data", obj=contact, contacts=list(person.contact_ids)
    )
    return document


# --- Anonymisation ---------------------------------------------------------------------------


def _delete_user_rows(user: Any) -> None:
    """Sign-in data with nothing to keep: addresses, second factors, memberships."""
    EmailAddress.objects.filter(user=user).delete()
    OrganisationMembership.objects.filter(user=user).delete()
    if apps.is_installed("allauth.mfa"):
        apps.get_model("mfa", "Authenticator").objects.filter(user=user).delete()


def _staff_address(person: privacy.Person) -> bool:
    """Whether one of the addresses is a staff account's: the sweep would rewrite it."""
    user_ids = EmailAddress.objects.filter(_email_q("email", person.emails)).values("user_id")
    accounts = get_user_model().objects.filter(
        _email_q("email", person.emails) | Q(pk__in=user_ids)
    )
    return any(account.is_superuser or roles.is_city_staff(account) for account in accounts)


def _refresh_offer_lemmas(person: privacy.Person) -> None:
    """The lemma columns repeat an offer's words; the sweep rewrote the words themselves."""
    organisations = ContactPerson.objects.filter(pk__in=person.contact_ids).values(
        "organisation_id"
    )
    offers = list(
        Offer.objects.filter(
            Q(contact_id__in=person.contact_ids)
            | Q(organisation_id__in=organisations)
            | Q(organisation_id__in=person.organisation_ids)
        ).only("pk", "title", "description")
    )
    for offer in offers:
        lemmas = offer_lemmas(title=offer.title, description=offer.description)
        offer.title_lemmas, offer.text_lemmas = lemmas.title_lemmas, lemmas.text_lemmas
    Offer.objects.bulk_update(offers, ["title_lemmas", "text_lemmas"])


def anonymise_person(
    *,
    person: privacy.Person,
    reason: str,
    actor: Any,
    erasure_request: ErasureRequest | None = None,
) -> PersonErasure:
    """Erase what identifies ``person`` for good, keeping every row the figures count.

    Contacts become "Persona cancellata #<id>" with an undeliverable address, their notes
    are emptied and consents withdrawn; the user account is deactivated and its username,
    e-mail and name scrubbed; then the sweep removes their strings everywhere else. One
    transaction, one audit entry (holding no personal data). Staff accounts are refused.
    """
    user = person.user
    if (user is not None and (user.is_superuser or roles.is_city_staff(user))) or _staff_address(
        person
    ):
        raise ValidationError(_("City staff accounts are not anonymised here."))
    if user is None and not person.contact_ids:
        raise ValidationError(_("There is nothing left to anonymise for this person."))
    now = timezone.now()
    with transaction.atomic():
        record = PersonErasure.objects.create(reason=reason, actor=actor, created_at=now)
        ref = record.pk
        emails = {e: privacy.erased_email(ref, i) for i, e in enumerate(person.emails, start=1)}
        contacts = list(ContactPerson.objects.select_for_update().filter(pk__in=person.contact_ids))
        for contact in contacts:
            contact.first_name = "Persona"
            contact.last_name = f"cancellata #{ref}"
            contact.role = ""
            contact.phone = ""
            contact.email = emails.get(contact.email.lower(), privacy.erased_email(ref, 0))
            contact.erased_at = now
        ContactPerson.objects.bulk_update(
            contacts, ["first_name", "last_name", "role", "phone", "email", "erased_at"]
        )
        withdrawn = Consent.objects.filter(
            contact_id__in=person.contact_ids, withdrawn_at__isnull=True
        ).update(withdrawn_at=now)
        notes = Interaction.objects.filter(contact_id__in=person.contact_ids).update(notes="")
        if user is not None:
            _delete_user_rows(user)
            user.username = f"cancellato-{ref}"
            user.email = emails.get((user.email or "").lower(), "")
            user.first_name = ""
            user.last_name = ""
            user.is_active = False
            user.set_unusable_password()
            user.save()
        swept = privacy.sweep(person, ref)
        _refresh_offer_lemmas(person)
        if erasure_request is not None:
            ErasureRequest.objects.filter(pk=erasure_request.pk).update(
                status=ErasureRequest.Status.DONE, handled_by=actor, handled_at=now
            )
        record.counts = {
            "contacts": len(contacts),
            "consents_withdrawn": withdrawn,
            "interaction_notes": notes,
            "user": 1 if user is not None else 0,
            "rows_swept": swept,
        }
        record.save(update_fields=["counts"])
        log_action(
            actor=actor,
            action="stakeholders.person.anonymised",
            obj=record,
            payload={
                "reason": reason,
                "contacts": list(person.contact_ids),
                "user": user.pk if user is not None else None,
                "erasure_request": erasure_request.pk if erasure_request else None,
            },
        )
    return record


# --- The privacy notice ----------------------------------------------------------------------


def privacy_page_context(request: Any) -> dict[str, Any]:
    """The consent texts in force and, for a signed-in stakeholder, the versions they agreed
    to (contacts carrying one of their verified addresses), for the privacy notice."""
    context: dict[str, Any] = {"consent_texts": consent.texts_in_force()}
    user = request.user
    if user.is_authenticated and not roles.is_city_staff(user):
        emails = tuple(
            EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
        )
        context["my_consents"] = list(
            Consent.objects.filter(_email_q("contact__email", emails))
            .select_related("text", "contact__organisation")
            .order_by("-given_at")
        )
    return context
