"""Possible duplicates: candidates by domain and similar name, the flags staff review,
the offers held for review, and dismissing a flag. Merging lives in ``merging``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity
from django.db import models, transaction
from django.db.models import Q, Value
from django.utils.translation import gettext_lazy as _

from contactpoint.audit import log_action
from contactpoint.changes import stamp_once

from .models import (
    DuplicateFlag,
    Offer,
    Organisation,
)
from .names import normalise_name

# Similar names above this pg_trgm similarity (after dropping legal suffixes) are flagged.
NAME_SIMILARITY_THRESHOLD = 0.5


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


def flag_possible_duplicates(
    *, organisation: Organisation, actor: Any = None
) -> list[DuplicateFlag]:
    """Record open ``DuplicateFlag`` rows for the organisation's look-alikes; return new ones."""
    candidates = find_duplicate_candidates(
        legal_name=organisation.legal_name,
        email_domain=organisation.email_domain,
        exclude_pk=organisation.pk,
    )
    if not candidates:
        return []
    # Either direction may already exist (an earlier flag, or a dismissed one): one query.
    others = [candidate.organisation.pk for candidate in candidates]
    flagged = set()
    for first, second in DuplicateFlag.objects.filter(
        Q(organisation=organisation, candidate__in=others)
        | Q(organisation__in=others, candidate=organisation),
        offer__isnull=True,
    ).values_list("organisation_id", "candidate_id"):
        flagged.add(second if first == organisation.pk else first)
    new = [candidate for candidate in candidates if candidate.organisation.pk not in flagged]
    flags = DuplicateFlag.objects.bulk_create(
        DuplicateFlag(
            organisation=organisation,
            candidate=candidate.organisation,
            reason=candidate.reason,
            similarity=candidate.similarity,
        )
        for candidate in new
    )
    for candidate in new:
        log_flagged(organisation=organisation, candidate=candidate, actor=actor)
    return flags


def log_flagged(*, organisation: Organisation, candidate: DuplicateCandidate, actor: Any) -> None:
    """The audit entry of a new flag: which look-alike, why, how similar."""
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


def dismiss_duplicate_flag(*, flag: DuplicateFlag, actor: Any) -> DuplicateFlag:
    """Staff looked at the pair and they are different organisations."""
    with transaction.atomic():
        return stamp_once(
            flag,
            "resolved_at",
            also={"resolution": "dismissed"},
            actor=actor,
            action="stakeholders.duplicateflag.dismissed",
            audit_obj=lambda f: f.organisation,
            payload=lambda f: {"flag": f.pk, "candidate": f.candidate_id},
        )
