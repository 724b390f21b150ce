"""The stakeholder area (/my/): scoped lookups and the services behind its pages.

A stakeholder reaches only organisations they are a member of (``OrganisationMembership``)
and, for their own person, the contacts and consents carrying one of their verified e-mail
addresses. Everything else is a 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from contactpoint import outbox, roles
from contactpoint import privacy as contactpoint_privacy
from contactpoint.audit import log_action

from . import contacts, privacy, registry
from .contacts import CONTACT_FIELDS
from .models import Consent, ContactPerson, ErasureRequest, Offer, Organisation

ERASURE_NOTICE_TASK = "stakeholders.send_erasure_request_notice"

PROFILE_FIELDS = ("website", "size", "sector", "description")
PROFILE_FLAGS = ("allow_logo_use", "allow_press", "allow_social")
PROFILE_RELATIONS = ("interests", "preferred_municipi", "preferred_neighbourhoods")


# --- Who may use the area, and what they see ----------------------------------------------


def may_use_stakeholder_area(user: Any) -> bool:
    """Signed-in people acting for organisations; city staff work in the admin instead."""
    return bool(user.is_authenticated and not roles.is_city_staff(user))


def verified_emails(user: Any) -> list[str]:
    if not user.is_authenticated:
        return []
    return sorted(
        {
            email.lower()
            for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
                "email", flat=True
            )
        }
    )


def _email_in(field: str, emails: list[str]) -> Q:
    condition = Q(pk__in=[])
    for email in emails:
        condition |= Q(**{f"{field}__iexact": email})
    return condition


def my_organisations(user: Any) -> QuerySet[Organisation]:
    if not may_use_stakeholder_area(user):
        return Organisation.objects.none()
    return Organisation.objects.active().filter(memberships__user=user)


def my_offers(user: Any) -> QuerySet[Offer]:
    if not may_use_stakeholder_area(user):
        return Offer.objects.none()
    return Offer.objects.filter(organisation__memberships__user=user)


def my_pending_offers(user: Any, emails: list[str]) -> QuerySet[Offer]:
    """Offers sent with the user's verified addresses for organisations they do not (yet)
    act for: the contact point still has to confirm the user speaks for them."""
    if not may_use_stakeholder_area(user) or not emails:
        return Offer.objects.none()
    return (
        Offer.objects.filter(_email_in("submitted_email", emails))
        .exclude(organisation__memberships__user=user)
        .select_related("organisation", "need")
    )


def my_consents(user: Any, emails: list[str] | None = None) -> QuerySet[Consent]:
    """Consents given by the user as a person: contacts with one of their verified e-mails."""
    if not may_use_stakeholder_area(user):
        return Consent.objects.none()
    emails = verified_emails(user) if emails is None else emails
    if not emails:
        return Consent.objects.none()
    return Consent.objects.filter(_email_in("contact__email", emails)).select_related(
        "contact__organisation", "text"
    )


def area_overview(user: Any) -> dict[str, Any]:
    """Everything /my/ shows, in a constant number of queries."""
    emails = verified_emails(user)
    offers_qs = Offer.objects.select_related("need").order_by("-created_at")
    organisations = list(
        my_organisations(user)
        .prefetch_related(
            Prefetch("offers", queryset=offers_qs),
            Prefetch("contacts", queryset=ContactPerson.objects.order_by("-is_primary", "pk")),
        )
        .order_by("legal_name")
    )
    return {
        "organisations": organisations,
        "pending_offers": list(my_pending_offers(user, emails).order_by("-created_at")),
        "consents": list(my_consents(user, emails).order_by("-given_at")),
        "open_erasure_request": ErasureRequest.objects.filter(
            user=user, status=ErasureRequest.Status.OPEN
        ).first(),
        "verified_emails": emails,
    }


# --- Profile and contacts -------------------------------------------------------------------


def update_organisation_profile(
    *, organisation: Organisation, data: Mapping[str, Any], actor: Any
) -> Organisation:
    """Save what a stakeholder keeps up to date themselves; identity fields stay with staff.

    Through ``registry.update_organisation``, like the admin and the API.
    """
    changes: dict[str, Any] = {field: (data.get(field) or "").strip() for field in PROFILE_FIELDS}
    changes.update({field: bool(data.get(field)) for field in PROFILE_FLAGS})
    changes.update({field: list(data.get(field) or []) for field in PROFILE_RELATIONS})
    return registry.update_organisation(
        organisation=organisation, changes=changes, actor=actor, source="my_area"
    )


def save_contact(
    *,
    organisation: Organisation,
    data: Mapping[str, Any],
    actor: Any,
    contact: ContactPerson | None = None,
) -> ContactPerson:
    """Add a contact person to the organisation, or change one of its contacts."""
    values = {field: data.get(field) for field in CONTACT_FIELDS}
    if contact is None:
        return contacts.add_contact(
            organisation=organisation, data=values, actor=actor, source="my_area"
        )
    contact = ContactPerson.objects.get(pk=contact.pk, organisation=organisation)
    return contacts.change_contact(contact=contact, changes=values, actor=actor, source="my_area")


# --- GDPR: access and erasure ---------------------------------------------------------------


# What the city may do with the organisation's name, on an offer or the organisation.
_PERMISSIONS = ("allow_logo_use", "allow_press", "allow_social")


def _offer_data(offer: Offer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        **contactpoint_privacy.plain_values(
            offer,
            (
                "status",
                "resource_kind",
                "title",
                "description",
                "quantity",
                "quantity_open",
                "unit",
            ),
        ),
        "areas": [area.slug for area in offer.areas.all()],
        "municipi": [m.number for m in offer.municipi.all()],
        "neighbourhoods": [n.nil_id for n in offer.neighbourhoods.all()],
        "available_from": contactpoint_privacy.iso(offer.available_from),
        "available_until": contactpoint_privacy.iso(offer.available_until),
        **contactpoint_privacy.plain_values(offer, _PERMISSIONS),
        "need": {"id": offer.need_id, "title": offer.need.title} if offer.need else None,
        "language": offer.language,
        "submitted_email": offer.submitted_email,
        "submitted_at": contactpoint_privacy.iso(offer.created_at),
        "withdrawn_at": contactpoint_privacy.iso(offer.withdrawn_at),
    }


def _contact_data(contact: ContactPerson) -> dict[str, Any]:
    return {
        "id": contact.pk,
        **contactpoint_privacy.plain_values(contact, CONTACT_FIELDS),
        "consents": [
            {
                "purpose": consent.purpose,
                "text_version": consent.text_version,
                "given_at": contactpoint_privacy.iso(consent.given_at),
                "withdrawn_at": contactpoint_privacy.iso(consent.withdrawn_at),
                "source": consent.source,
            }
            for consent in contact.consents.all()
        ],
    }


def export_personal_data(*, user: Any) -> dict[str, Any]:
    """The user's data as one JSON-ready document (GDPR right of access); audited."""
    emails = verified_emails(user)
    offer_prefetch = ("areas", "municipi", "neighbourhoods")
    organisations = (
        my_organisations(user)
        .prefetch_related(
            "interests",
            "preferred_municipi",
            "preferred_neighbourhoods",
            Prefetch("contacts", queryset=ContactPerson.objects.prefetch_related("consents")),
            Prefetch(
                "offers",
                queryset=Offer.objects.select_related("need").prefetch_related(*offer_prefetch),
            ),
        )
        .order_by("legal_name")
    )
    document: dict[str, Any] = {
        "format": "contactpoint-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": contactpoint_privacy.iso(user.date_joined),
            "last_login": contactpoint_privacy.iso(user.last_login),
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "roles": sorted(roles.role_names(user)),
        },
        "organisations": [
            {
                "id": org.pk,
                **contactpoint_privacy.plain_values(
                    org,
                    (
                        "legal_name",
                        "kind",
                        "tax_code",
                        "vat_number",
                        "website",
                        "size",
                        "sector",
                        "description",
                    ),
                ),
                "interests": [area.slug for area in org.interests.all()],
                "preferred_municipi": [m.number for m in org.preferred_municipi.all()],
                "preferred_neighbourhoods": [n.nil_id for n in org.preferred_neighbourhoods.all()],
                **contactpoint_privacy.plain_values(org, _PERMISSIONS),
                "contacts": [_contact_data(contact) for contact in org.contacts.all()],
                "offers": [_offer_data(offer) for offer in org.offers.all()],
            }
            for org in organisations
        ],
        "offers_awaiting_confirmation": [
            _offer_data(offer)
            for offer in my_pending_offers(user, emails).prefetch_related(*offer_prefetch)
        ],
        "erasure_requests": [
            {
                "requested_at": contactpoint_privacy.iso(r.created_at),
                "status": r.status,
                "handled_at": contactpoint_privacy.iso(r.handled_at),
            }
            for r in ErasureRequest.objects.filter(user=user)
        ],
    }
    # The person's own records everywhere in the portal: contacts with the consent texts
    # agreed to and the history recorded about them, matches, survey answers, training, and
    # what they did themselves.
    person = privacy.person_for_user(user)
    document["my_contacts"] = privacy.contacts_export(person)
    document.update(contactpoint_privacy.export_sections(person))
    document["own_actions"] = privacy.own_audit_export(person)
    with transaction.atomic():
        log_action(
            actor=user,
            action="stakeholders.personal_data.exported",
            obj=user,
            payload={"organisations": [org["id"] for org in document["organisations"]]},
        )
    return document


def request_erasure(*, user: Any, reason: str = "") -> tuple[ErasureRequest, bool]:
    """Record that the user asks for erasure and tell the contact point; one open request
    at a time (asking twice returns the open one). Returns ``(request, created)``."""
    with transaction.atomic():
        existing = (
            ErasureRequest.objects.select_for_update()
            .filter(user=user, status=ErasureRequest.Status.OPEN)
            .first()
        )
        if existing is not None:
            return existing, False
        erasure = ErasureRequest.objects.create(
            user=user, email=user.email or "", reason=(reason or "").strip()
        )
        log_action(
            actor=user,
            action="stakeholders.erasure_request.created",
            obj=erasure,
            payload={"user": user.pk},
        )
        outbox.enqueue(ERASURE_NOTICE_TASK, erasure.pk, dedup_key=f"erasure-notice-{erasure.pk}")
    return erasure, True


def handle_erasure_request(
    *, erasure: ErasureRequest, status: str, actor: Any, notes: str = ""
) -> ErasureRequest:
    """Staff close an erasure request as done or rejected (after acting on the data)."""
    if status not in (ErasureRequest.Status.DONE, ErasureRequest.Status.REJECTED):
        raise ValueError(f"cannot close an erasure request as {status!r}")
    with transaction.atomic():
        erasure = ErasureRequest.objects.select_for_update().get(pk=erasure.pk)
        if erasure.status != ErasureRequest.Status.OPEN:
            return erasure
        erasure.status = status
        erasure.handled_by = actor
        erasure.handled_at = timezone.now()
        if notes:
            erasure.notes = notes
        erasure.save(update_fields=["status", "handled_by", "handled_at", "notes"])
        log_action(
            actor=actor,
            action="stakeholders.erasure_request.handled",
            obj=erasure,
            payload={"status": status},
        )
    return erasure
