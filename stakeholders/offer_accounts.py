"""Attaching past offers to an account: when a verified address may act for an organisation,
and the membership that follows once the person signs in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from contactpoint import roles
from contactpoint.audit import log_action

from . import registry
from .models import Offer, Organisation, OrganisationMembership


def has_verified_email(user: Any, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def _email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


def may_act_for(*, organisation: Organisation, email: str) -> bool:
    """Whether a verified ``email`` is enough proof to act for ``organisation``.

    Yes when an offer from this address registered the organisation, or when the address
    is at the organisation's own e-mail domain and staff have verified that domain (a
    domain typed on a form, or carried over by a merge, proves nothing). Otherwise anyone
    could type a known company's tax code on the public form and, after verifying their own
    address, read and edit that company's data: such claims wait for the contact point to
    confirm them.
    """
    if Offer.objects.filter(
        organisation=organisation, submitted_email__iexact=email, created_organisation=True
    ).exists():
        return True
    domain = _email_domain(email)
    return bool(
        domain
        and organisation.email_domain
        and organisation.email_domain == domain
        and organisation.email_domain_verified
        and not registry.is_public_mail_domain(domain)
    )


def attach_offers(*, user: Any, email: str, offers: Iterable[Offer]) -> list[Organisation]:
    joined: list[Organisation] = []
    pending: list[Organisation] = []
    seen: set[int] = set()
    for offer in offers:
        organisation = offer.organisation
        if organisation.pk in seen:
            continue
        seen.add(organisation.pk)
        if not may_act_for(organisation=organisation, email=email):
            if not OrganisationMembership.objects.filter(
                user=user, organisation=organisation
            ).exists():
                pending.append(organisation)
            continue
        _membership, created = OrganisationMembership.objects.get_or_create(
            user=user, organisation=organisation
        )
        if created:
            joined.append(organisation)
            log_action(
                actor=user,
                action="stakeholders.membership.attached",
                obj=organisation,
                payload={"user": user.pk, "email_domain": _email_domain(email)},
            )
    for organisation in pending:
        log_action(
            actor=user,
            action="stakeholders.membership.claim_pending",
            obj=organisation,
            payload={"user": user.pk, "email_domain": _email_domain(email)},
        )
    if joined:
        group, _created = Group.objects.get_or_create(name=roles.STAKEHOLDER)
        user.groups.add(group)
        user.__dict__.pop("_contactpoint_roles", None)
    return joined


def attach_offers_to_user(*, user: Any, email: str) -> list[Organisation]:
    """Link offers submitted with ``email`` to ``user``, once the address is verified.

    The user becomes a member of those offers' organisations (when ``may_act_for`` says
    the address proves it) and gets the stakeholder role. Returns the organisations
    joined now; an unverified address attaches nothing.
    """
    email = (email or "").strip().lower()
    if not email or not getattr(user, "pk", None):
        return []
    with transaction.atomic():
        if not has_verified_email(user, email):
            return []
        offers = (
            Offer.objects.filter(submitted_email__iexact=email)
            .select_related("organisation")
            .order_by("created_at", "pk")
        )
        return attach_offers(user=user, email=email, offers=offers)
