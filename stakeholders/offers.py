"""The public offer intake: submit, follow and withdraw (accounts: ``offer_accounts``).

Every accepted offer is written in one transaction together with its organisation, contact
person, consents, audit entries, the two outbox messages that follow it (matching and the
confirmation e-mail) and its rate-limit count: either all of it is stored or none of it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contactpoint import audit, outbox
from contactpoint.audit import log_action
from contactpoint.changes import set_relations
from needs.language import offer_lemmas

from . import contacts, duplicates, registry, signals, throttling
from .models import Consent, ContactPerson, Offer, Organisation
from .offer_accounts import attach_offers, has_verified_email

# Size limits shared by the form and the API.
MAX_DESCRIPTION_LENGTH = 5000
MAX_AREAS = 20
MAX_PLACES = 20  # municipi and NIL together

# Keys a client may choose: URL-safe, long enough not to collide by chance.
IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")

MATCH_OFFER_TASK = "matching.match_offer"
CONFIRMATION_TASK = "stakeholders.send_offer_confirmation"


class OfferRateLimited(Exception):
    """Too many offers from one IP or one e-mail address in the current window."""

    def __init__(self, limit: throttling.Limit) -> None:
        self.limit = limit
        if limit.scope == "email":
            message = _(
                "You have sent many offers from this e-mail address in the last hour. "
                "Please try again later, or write to the contact point."
            )
        else:
            message = _(
                "Many offers have been sent from your connection in the last hour. "
                "Please try again later, or write to the contact point."
            )
        self.message = message
        super().__init__(str(message))


class OfferNotWithdrawable(Exception):
    """The offer is already closed (withdrawn, completed or declined)."""

    message = _("This offer can no longer be withdrawn.")


# --- Validation shared by the form and the API ----------------------------------------------


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def validate_idempotency_key(value: str) -> str:
    if not IDEMPOTENCY_KEY_RE.match(value or ""):
        raise ValidationError(
            _("The idempotency key must be 16 to 64 letters, digits, '-' or '_'."),
            code="invalid_idempotency_key",
        )
    return value


def validate_availability(available_from: date | None, available_until: date | None) -> None:
    if available_from and available_until and available_until < available_from:
        raise ValidationError(
            {"available_until": [_("The end of the availability must not be before its start.")]}
        )


def validate_places(municipi: Iterable[Any], neighbourhoods: Iterable[Any]) -> None:
    if len(list(municipi)) + len(list(neighbourhoods)) > MAX_PLACES:
        raise ValidationError(
            {"neighbourhoods": [_("Choose at most %(max)d places.") % {"max": MAX_PLACES}]}
        )


def clean_need(need: Any) -> Any:
    """A need may be named only while it is public (published or partly covered)."""
    if need is not None and not need.is_public:
        raise ValidationError({"need": [_("This need is no longer open to offers.")]})
    return need


# --- One offer, whatever the browser does -----------------------------------------------------


def _fingerprint(data: Mapping[str, Any]) -> dict[str, Any]:
    """What makes two submissions the same offer: who, for which organisation, what."""
    need = data.get("need")
    return {
        "email": (data.get("email") or "").strip().lower(),
        "legal_name": " ".join((data.get("legal_name") or "").split()).casefold(),
        "tax_code": (data.get("tax_code") or "").replace(" ", "").upper(),
        "vat_number": (data.get("vat_number") or "").replace(" ", "").upper(),
        "resource_kind": data.get("resource_kind") or "",
        "title": " ".join((data.get("title") or "").split()),
        "description": (data.get("description") or "").strip(),
        "quantity": data.get("quantity"),
        "unit": (data.get("unit") or "").strip(),
        "need": getattr(need, "pk", need),
    }


def form_idempotency_key(*, salt: str, data: Mapping[str, Any]) -> str:
    """The public form's key: the same for the same content sent from the same session.

    Derived on the server, not rendered into the page: Back and submit, a reload that
    re-posts, a double click or a second tab with the same offer all carry the same key,
    while a different offer from the same browser gets its own.
    """
    content = json.dumps(_fingerprint(data), sort_keys=True, default=str)
    digest = hmac.new(salt.encode(), content.encode(), hashlib.sha256).digest()
    return "form-" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:40]


def earlier_offer(*, data: Mapping[str, Any], idempotency_key: str = "") -> Offer | None:
    """The offer an earlier request with this key created, else an open offer with the same
    content from the same e-mail address within ``OFFER_DUPLICATE_WINDOW`` seconds (another
    session, or an expired key); one query for both."""
    fingerprint = _fingerprint(data)
    since = timezone.now() - timedelta(seconds=settings.OFFER_DUPLICATE_WINDOW)
    same_content = Q(
        status__in=Offer.OPEN_STATUSES,
        submitted_email=fingerprint["email"],
        created_at__gte=since,
        resource_kind=fingerprint["resource_kind"],
        title=fingerprint["title"],
        description=fingerprint["description"],
        quantity=fingerprint["quantity"],
        unit=fingerprint["unit"],
        need_id=fingerprint["need"],
    )
    same_key = Q(idempotency_key=idempotency_key) if idempotency_key else Q(pk__in=[])
    candidates = list(
        Offer.objects.filter(same_key | same_content)
        .select_related("organisation")
        .order_by("-created_at", "-pk")
    )
    for offer in candidates:
        if idempotency_key and offer.idempotency_key == idempotency_key:
            return offer
    codes = _typed_codes(data)
    for offer in candidates:
        typed = " ".join(offer.organisation_name_as_typed.split()).casefold()
        known = {offer.organisation.tax_code, offer.organisation.vat_number} - {""}
        if typed == fingerprint["legal_name"] and codes <= known:
            return offer
    return None


def _typed_codes(data: Mapping[str, Any]) -> set[str]:
    codes = set()
    for normalise, name in (
        (registry.normalise_tax_code, "tax_code"),
        (registry.normalise_vat_number, "vat_number"),
    ):
        try:
            codes.add(normalise(data.get(name) or ""))
        except ValidationError:
            codes.add(data.get(name) or "")  # refused later, with its field error
    return codes - {""}


def _lock_submitter(email: str) -> None:
    """Serialise submissions from one e-mail address until the transaction ends, so two
    identical ones racing (two tabs, two keys) cannot both pass ``earlier_offer``."""
    digest = hashlib.sha256(f"offer-submitter:{email}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )


# --- Submitting ---------------------------------------------------------------------------


def offer_for_idempotency_key(key: str) -> Offer | None:
    """The offer an earlier request with this key created, if any (API replays)."""
    return Offer.objects.filter(idempotency_key=key).first()


def submit_offer(
    *,
    data: Mapping[str, Any],
    idempotency_key: str,
    actor: Any,
    client_ip: str,
    source: str = "form",
) -> tuple[Offer, bool]:
    """Store an offer from the public form or the API; return ``(offer, created)``.

    ``data`` holds cleaned values (see ``stakeholders.forms.OfferForm``): organisation,
    contact, consents, what is offered, places, window and optionally a public ``need``.
    The same ``idempotency_key`` always returns the offer it first created (a double
    click, a browser resubmit, an API retry, or two racing requests), and so does the
    same content from the same e-mail address within ``OFFER_DUPLICATE_WINDOW``, without
    counting against the rate limits. Raises ``OfferRateLimited`` over the limits and
    ``ValidationError`` (naming fields) on data the services refuse.
    """
    idempotency_key = validate_idempotency_key(idempotency_key)
    email = data["email"].strip().lower()
    limit = throttling.exceeded_limit(client_ip=client_ip, email=email)
    if limit is not None:
        # A replay or a repeated offer gets its first answer, over the limits or not.
        existing = earlier_offer(data=data, idempotency_key=idempotency_key)
        if existing is not None:
            return existing, False
        raise OfferRateLimited(limit)

    for attempt in (1, 2):
        try:
            with transaction.atomic():
                _lock_submitter(email)
                existing = earlier_offer(data=data, idempotency_key=idempotency_key)
                if existing is not None:
                    return existing, False
                with audit.batched():
                    offer = _record_offer(
                        data=data, idempotency_key=idempotency_key, actor=actor, source=source
                    )
                throttling.record_submission(client_ip=client_ip, email=email)
            break
        except IntegrityError:
            # Another request with the same key committed first: that offer is the answer.
            existing = offer_for_idempotency_key(idempotency_key)
            if existing is not None:
                return existing, False
            # Otherwise a concurrent request created the same organisation or contact;
            # a second attempt finds it.
            if attempt == 2:
                raise
    return offer, True


def _record_offer(
    *, data: Mapping[str, Any], idempotency_key: str, actor: Any, source: str
) -> Offer:
    email = data["email"].strip().lower()
    need = clean_need(data.get("need"))
    areas = list(data.get("areas") or [])
    municipi = list(data.get("municipi") or [])
    neighbourhoods = list(data.get("neighbourhoods") or [])
    validate_availability(data.get("available_from"), data.get("available_until"))
    validate_places(municipi, neighbourhoods)
    if len(areas) > MAX_AREAS:
        raise ValidationError({"areas": [_("Choose at most %(max)d areas.") % {"max": MAX_AREAS}]})
    if not data.get("consent_contact"):
        raise ValidationError(
            {"consent_contact": [_("We need your consent to contact you about your offer.")]}
        )
    language = data.get("language") or (get_language() or "it")[:2]

    organisation, organisation_created = registry.resolve_organisation(
        legal_name=data["legal_name"],
        kind=data["kind"],
        tax_code=data.get("tax_code") or "",
        vat_number=data.get("vat_number") or "",
        email=email,
        website=data.get("website") or "",
        actor=actor,
        source=source,
        savepoint=False,  # a race on the code: ``submit_offer`` tries again and finds it
    )
    contact, contact_created = _find_or_create_contact(
        organisation=organisation,
        email=email,
        data=data,
        language=language,
        actor=actor,
        new_organisation=organisation_created,
    )
    purposes = [Consent.Purpose.CONTACT]
    if data.get("consent_survey"):
        purposes.append(Consent.Purpose.SURVEY)
    if contact_created:
        registry.give_consents_to_new_contact(
            contact=contact, purposes=purposes, source=f"offer_{source}", actor=actor
        )
    else:
        for purpose in purposes:
            registry.give_consent(
                contact=contact, purpose=purpose, source=f"offer_{source}", actor=actor
            )

    quantity = data["quantity"]
    title = " ".join(data["title"].split())
    description = data["description"].strip()
    lemmas = offer_lemmas(title=title, description=description)
    offer = Offer.objects.create(
        organisation=organisation,
        contact=contact,
        resource_kind=data["resource_kind"],
        title=title,
        description=description,
        title_lemmas=lemmas.title_lemmas,
        text_lemmas=lemmas.text_lemmas,
        quantity=quantity,
        quantity_open=quantity,
        unit=data["unit"].strip(),
        available_from=data.get("available_from"),
        available_until=data.get("available_until"),
        allow_logo_use=bool(data.get("allow_logo_use")),
        allow_press=bool(data.get("allow_press")),
        allow_social=bool(data.get("allow_social")),
        need=need,
        status=Offer.Status.SUBMITTED,
        language=language,
        submitted_email=email,
        submitted_organisation_name=" ".join(data["legal_name"].split())[:200],
        idempotency_key=idempotency_key,
        created_organisation=organisation_created,
    )
    for relation, chosen in (
        ("areas", areas),
        ("municipi", municipi),
        ("neighbourhoods", neighbourhoods),
    ):
        if chosen:
            # A new offer has no links yet: one INSERT per relation.
            manager = getattr(offer, relation)
            unique = {getattr(item, "pk", None) or id(item): item for item in chosen}
            manager.through.objects.bulk_create(
                manager.through(
                    **{manager.source_field_name: offer, manager.target_field_name: item}
                )
                for item in unique.values()
            )

    if not organisation_created:
        # A known code under another name, or a new contact writing from another mail
        # domain: linked as the code says, and shown to staff to check (never silently).
        duplicates.flag_offer_for_review(
            offer=offer, organisation=organisation, contact_created=contact_created, actor=actor
        )

    # A signed-in person offering with one of their verified addresses acts for the
    # organisation from now on, exactly as if they had verified the address later.
    if getattr(actor, "is_authenticated", False) and has_verified_email(actor, email):
        attach_offers(user=actor, email=email, offers=[offer])

    log_action(
        actor=actor,
        action="stakeholders.offer.submitted",
        obj=offer,
        payload={
            "source": source,
            "organisation": organisation.pk,
            "organisation_created": organisation_created,
            "need": need.pk if need else None,
            "resource_kind": offer.resource_kind,
            "quantity": quantity,
        },
    )
    # The hook for the matching engine, and the e-mail with the private tracking link: both
    # leave through the outbox, so a broker outage delays them but loses nothing.
    outbox.enqueue_new(
        [
            (MATCH_OFFER_TASK, (offer.pk,), f"match-offer-{offer.pk}"),
            (CONFIRMATION_TASK, (offer.pk,), f"offer-confirmation-{offer.pk}"),
        ]
    )
    return offer


def _find_or_create_contact(
    *,
    organisation: Organisation,
    email: str,
    data: Mapping[str, Any],
    language: str,
    actor: Any,
    new_organisation: bool = False,
) -> tuple[ContactPerson, bool]:
    """The organisation's contact with this e-mail, or a new one; and whether it is new.

    An existing contact keeps what it has: an anonymous form must not overwrite a known
    person's name or phone, it only fills what is missing. An organisation created in this
    transaction has no contact yet.
    """
    contact = (
        None
        if new_organisation
        else (
            ContactPerson.objects.select_for_update()
            .filter(organisation=organisation, email__iexact=email)
            .order_by("pk")
            .first()
        )
    )
    if contact is not None:
        changed = []
        for field in ("role", "phone"):
            value = (data.get(field) or "").strip()
            if value and not getattr(contact, field):
                setattr(contact, field, value)
                changed.append(field)
        if contact.language != language:
            contact.language = language
            changed.append("language")
        if changed:
            contact.save(update_fields=changed)
        return contact, False
    # The contacts service keeps the one-main-contact rule and writes the audit entry.
    contact = contacts.add_contact(
        organisation=organisation,
        data={
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "role": data.get("role") or "",
            "email": email,
            "phone": data.get("phone") or "",
            "language": language,
        },
        actor=actor,
        source="offer",
        new_organisation=new_organisation,
    )
    return contact, True


# --- Staff corrections -----------------------------------------------------------------------

# What staff may correct on an offer. Status and quantities are not here: they follow the
# withdrawal and the matches (``withdraw_offer``, ``matching``), never a hand edit.
EDITABLE_FIELDS = (
    "organisation",
    "contact",
    "need",
    "language",
    "resource_kind",
    "title",
    "description",
    "unit",
    "available_from",
    "available_until",
    "allow_logo_use",
    "allow_press",
    "allow_social",
)
EDITABLE_RELATIONS = ("areas", "municipi", "neighbourhoods")
# A change to one of these may change which needs fit: the offer is matched again.
MATCHING_FIELDS = frozenset(
    {"resource_kind", "title", "description", "unit", "available_from", "available_until"}
    | set(EDITABLE_RELATIONS)
)


def offer_errors(
    *,
    organisation: Organisation | None,
    contact: ContactPerson | None,
    available_from: date | None,
    available_until: date | None,
    municipi: Iterable[Any],
    neighbourhoods: Iterable[Any],
) -> dict[str, list[Any]]:
    """The rules an offer's content must keep, as errors by field (empty: all kept).

    Shared by ``update_offer`` and the admin form, which shows them next to the fields.
    """
    errors: dict[str, list[Any]] = {}
    if (
        contact is not None
        and organisation is not None
        and contact.organisation_id != organisation.pk
    ):
        errors["contact"] = [_("This person is not a contact of the organisation.")]
    for check in (
        lambda: validate_availability(available_from, available_until),
        lambda: validate_places(municipi, neighbourhoods),
    ):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    return errors


def update_offer(*, offer: Offer, changes: Mapping[str, Any], actor: Any, source: str) -> Offer:
    """Correct an offer's content (staff); audited once, re-matched when its content changed.

    Raises ``ValidationError`` by field (unknown or read-only fields included).
    """
    unknown = set(changes) - set(EDITABLE_FIELDS) - set(EDITABLE_RELATIONS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer.pk)
        changed = []
        for field in EDITABLE_FIELDS:
            if field in changes and getattr(offer, field) != changes[field]:
                setattr(offer, field, changes[field])
                changed.append(field)
        errors = offer_errors(
            organisation=offer.organisation,
            contact=offer.contact,
            available_from=offer.available_from,
            available_until=offer.available_until,
            municipi=changes.get("municipi", offer.municipi.all()),
            neighbourhoods=changes.get("neighbourhoods", offer.neighbourhoods.all()),
        )
        if errors:
            raise ValidationError(errors)
        if changed:
            if {"title", "description"}.intersection(changed):
                lemmas = offer_lemmas(title=offer.title, description=offer.description)
                offer.title_lemmas, offer.text_lemmas = lemmas.title_lemmas, lemmas.text_lemmas
            offer.full_clean(exclude=["contact", "need", "organisation"])
            offer.save()
        changed += set_relations(offer, changes, EDITABLE_RELATIONS)
        if changed:
            log_action(
                actor=actor,
                action="stakeholders.offer.changed",
                obj=offer,
                payload={"source": source, "fields": changed},
            )
            if offer.is_open and MATCHING_FIELDS.intersection(changed):
                outbox.enqueue(MATCH_OFFER_TASK, offer.pk, dedup_key=f"match-offer-{offer.pk}")
    return offer


# --- Following and withdrawing --------------------------------------------------------------


def offer_for_tracking_token(token: str) -> Offer | None:
    """The offer behind a private tracking link, or None (the caller answers 404)."""
    if not token or len(token) > 64:
        return None
    return (
        Offer.objects.select_related("organisation", "contact", "need", "need__department")
        .prefetch_related("areas", "municipi", "neighbourhoods")
        .filter(tracking_token=token)
        .first()
    )


def withdraw_offer(*, offer: Offer, actor: Any, source: str = "my_area") -> Offer:
    """Withdraw an open offer (its submitter changed their mind); audited.

    Raises ``OfferNotWithdrawable`` when it is already closed.
    """
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer.pk)
        if not offer.is_open:
            raise OfferNotWithdrawable()
        previous = offer.status
        offer.status = Offer.Status.WITHDRAWN
        offer.withdrawn_at = timezone.now()
        offer.save(update_fields=["status", "withdrawn_at", "updated_at"])
        log_action(
            actor=actor,
            action="stakeholders.offer.withdrawn",
            obj=offer,
            payload={"previous_status": previous, "source": source},
        )
        # In the same transaction: the offer's matches end (or are flagged) with it.
        signals.offer_withdrawn.send(sender=Offer, offer=offer, actor=actor)
    return offer
