"""Merging a duplicate organisation into the one kept, and undoing it.

A merge is where a look-alike record can hand a real company to an outsider, so nothing
that grants access or changes the kept record happens by default:

- user accounts acting for the merged-away record (memberships) and the claims its offers
  carry ("this address registered the organisation") move only for the people staff pick;
  everyone else loses access to the merged-away record and gains none to the kept one;
- the kept record's fields change only where staff pick the other record's value;
- the kept record's mail domain is never marked verified by a merge.

Every merge stores both records' prior state in an :class:`OrganisationMerge`, and
:func:`undo_merge` restores them from it while nothing later depends on the merge.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from contactpoint.audit import acting_user, log_action

from .models import (
    ContactPerson,
    DuplicateFlag,
    Interaction,
    Offer,
    Organisation,
    OrganisationMembership,
    OrganisationMerge,
)

# Fields staff may take over from the merged-away record, one choice each (default: keep).
MERGEABLE_FIELDS = (
    "tax_code",
    "vat_number",
    "website",
    "email_domain",
    "size",
    "sector",
    "description",
    "allow_logo_use",
    "allow_press",
    "allow_social",
    "local_group",
    "focus_group",
    "relationship_owner",
)
_SNAPSHOT_FIELDS = ("kind", "legal_name", *MERGEABLE_FIELDS, "email_domain_verified")
_RELATIONS = ("interests", "preferred_municipi", "preferred_neighbourhoods", "member_of", "members")


@dataclass(frozen=True)
class MergePerson:
    """Someone who could act for the merged-away record: an account or an offer's claim."""

    kind: str  # "account" (a membership) or "claim" (an offer that registered the record)
    key: str  # the user's id or the lower-cased e-mail address
    label: str


def _field_value(organisation: Organisation, field: str) -> Any:
    if field == "relationship_owner":
        return organisation.relationship_owner_id
    return getattr(organisation, field)


def _state(organisation: Organisation) -> dict[str, Any]:
    state: dict[str, Any] = {field: _field_value(organisation, field) for field in _SNAPSHOT_FIELDS}
    for relation in _RELATIONS:
        state[relation] = sorted(getattr(organisation, relation).values_list("pk", flat=True))
    return state


def differing_fields(*, survivor: Organisation, duplicate: Organisation) -> list[str]:
    """The fields where taking the merged-away record's value would change the kept one."""
    return [
        field
        for field in MERGEABLE_FIELDS
        if _field_value(duplicate, field) not in ("", None, False)
        and _field_value(duplicate, field) != _field_value(survivor, field)
    ]


def people_of(organisation: Organisation) -> list[MergePerson]:
    """The accounts and offer claims that give someone access to ``organisation``."""
    people = [
        MergePerson("account", str(m.user_id), f"{m.user.get_username()} ({m.user.email})")
        for m in organisation.memberships.select_related("user").order_by("user_id")
    ]
    emails = (
        Offer.objects.filter(organisation=organisation, created_organisation=True)
        .values_list("submitted_email", flat=True)
        .order_by("submitted_email")
    )
    for email in dict.fromkeys(e.lower() for e in emails):
        people.append(MergePerson("claim", email, email))
    return people


def merge_preview(*, survivor: Organisation, duplicate: Organisation) -> dict[str, int]:
    """What a merge would move, for the confirmation page."""
    return {
        "contacts": duplicate.contacts.count(),
        "offers": Offer.objects.filter(organisation=duplicate).count(),
        "interactions": duplicate.interactions.count(),
        "memberships": duplicate.memberships.count(),
        "member_of": duplicate.member_of.count(),
        "members": duplicate.members.count(),
    }


def _lock_pair(
    survivor: Organisation, duplicate: Organisation
) -> tuple[Organisation, Organisation]:
    # Lock both rows in a stable order so two staff acting on the same pair cannot deadlock.
    locked = {
        org.pk: org
        for org in Organisation.objects.select_for_update()
        .filter(pk__in=[survivor.pk, duplicate.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(_("One of the organisations no longer exists."))
    return locked[survivor.pk], locked[duplicate.pk]


def merge_organisations(
    *,
    survivor: Organisation,
    duplicate: Organisation,
    actor: Any,
    move_accounts: Collection[int] = (),
    move_claims: Collection[str] = (),
    take_fields: Collection[str] = (),
) -> Organisation:
    """Fold ``duplicate`` into ``survivor``; return the survivor.

    Contacts (with their consents), offers, interactions, network links, interests and
    preferred places move. Only the accounts in ``move_accounts`` (user ids) and the offer
    claims in ``move_claims`` (submitters' e-mails) keep acting for the organisation; only
    the fields in ``take_fields`` take the duplicate's value. The duplicate stays as a
    record with ``merged_into`` set, so old links and the audit trail still lead somewhere.
    """
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("An organisation cannot be merged into itself."))
    unknown_fields = set(take_fields) - set(MERGEABLE_FIELDS)
    if unknown_fields:
        raise ValidationError(
            _("These fields cannot be taken over: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown_fields))}
        )
    with transaction.atomic():
        survivor, duplicate = _lock_pair(survivor, duplicate)
        for organisation in (survivor, duplicate):
            if organisation.merged_into_id is not None:
                raise ValidationError(
                    _("%(name)s has already been merged into another organisation.")
                    % {"name": organisation.legal_name}
                )
        memberships = list(OrganisationMembership.objects.filter(organisation=duplicate))
        member_ids = {m.user_id for m in memberships}
        move_accounts = {int(pk) for pk in move_accounts}
        claim_emails = {p.key for p in people_of(duplicate) if p.kind == "claim"}
        move_claims = {email.lower() for email in move_claims}
        if move_accounts - member_ids or move_claims - claim_emails:
            raise ValidationError(
                _("The people to move have changed since the page was opened: check again.")
            )

        snapshot: dict[str, Any] = {
            "survivor": _state(survivor),
            "duplicate": _state(duplicate),
            "take_fields": sorted(take_fields),
        }
        offers = list(
            Offer.objects.filter(organisation=duplicate).values(
                "pk", "created_organisation", "submitted_email"
            )
        )
        snapshot["moved"] = {
            "contacts": list(
                ContactPerson.objects.filter(organisation=duplicate).values_list("pk", flat=True)
            ),
            "offers": [[o["pk"], o["created_organisation"]] for o in offers],
            "interactions": list(
                Interaction.objects.filter(organisation=duplicate).values_list("pk", flat=True)
            ),
        }
        snapshot["flags"] = [
            {
                "id": flag.pk,
                "organisation": flag.organisation_id,
                "candidate": flag.candidate_id,
                "resolved_at": flag.resolved_at.isoformat() if flag.resolved_at else None,
                "resolution": flag.resolution,
            }
            for flag in DuplicateFlag.objects.filter(
                Q(organisation=duplicate) | Q(candidate=duplicate)
            )
        ]
        existing_users = set(
            OrganisationMembership.objects.filter(organisation=survivor).values_list(
                "user_id", flat=True
            )
        )
        snapshot["memberships"] = [
            {
                "user": m.user_id,
                "created_at": m.created_at.isoformat(),
                "moved": m.user_id in move_accounts,
                "created_on_survivor": m.user_id in move_accounts
                and m.user_id not in existing_users,
            }
            for m in memberships
        ]

        counts = {
            "contacts": ContactPerson.objects.filter(organisation=duplicate).update(
                organisation=survivor
            ),
            "offers": len(offers),
            "interactions": Interaction.objects.filter(organisation=duplicate).update(
                organisation=survivor
            ),
        }
        # An offer that registered the look-alike proves nothing about the kept organisation:
        # its claim moves only for the submitters staff picked.
        unclaimed = [
            o["pk"]
            for o in offers
            if o["created_organisation"] and o["submitted_email"].lower() not in move_claims
        ]
        Offer.objects.filter(pk__in=unclaimed).update(created_organisation=False)
        Offer.objects.filter(organisation=duplicate).update(organisation=survivor)

        OrganisationMembership.objects.filter(organisation=duplicate).delete()
        for membership in memberships:
            if membership.user_id in move_accounts and membership.user_id not in existing_users:
                OrganisationMembership.objects.create(
                    user_id=membership.user_id, organisation=survivor
                )
        counts["memberships"] = sum(1 for m in snapshot["memberships"] if m["created_on_survivor"])
        counts["memberships_not_moved"] = len(member_ids - move_accounts)
        counts["claims_moved"] = len(move_claims)
        counts["claims_not_moved"] = len(claim_emails - move_claims)

        added: dict[str, list[int]] = {}
        for relation in _RELATIONS:
            current = set(snapshot["survivor"][relation])
            incoming = set(snapshot["duplicate"][relation]) - {survivor.pk}
            added[relation] = sorted(incoming - current)
            getattr(survivor, relation).add(*added[relation])
        snapshot["added"] = added
        counts["member_of"] = len(set(snapshot["duplicate"]["member_of"]) - {survivor.pk})
        counts["members"] = len(set(snapshot["duplicate"]["members"]) - {survivor.pk})
        duplicate.member_of.clear()
        duplicate.members.clear()

        taken = []
        for field in MERGEABLE_FIELDS:
            if field in take_fields:
                value = _field_value(duplicate, field)
                if value != _field_value(survivor, field):
                    setattr(
                        survivor, f"{field}_id" if field == "relationship_owner" else field, value
                    )
                    taken.append(field)
        if "email_domain" in taken:
            survivor.email_domain_verified = False
        # Codes move too when picked: the duplicate is saved as merged first, which takes it
        # out of the unique constraints (they cover active organisations only).
        duplicate.merged_into = survivor
        duplicate.save(update_fields=["merged_into", "updated_at"])
        survivor.save()
        snapshot["survivor_after"] = {
            field: _field_value(survivor, field) for field in _SNAPSHOT_FIELDS
        }

        now = timezone.now()
        resolved = DuplicateFlag.objects.filter(
            Q(organisation=survivor, candidate=duplicate)
            | Q(organisation=duplicate, candidate=survivor),
            resolved_at__isnull=True,
        ).update(resolved_at=now, resolution="merged")
        # Flags of the duplicate with third parties now concern the survivor; staff keep
        # seeing them, pointed at the organisation that still exists.
        for flag in DuplicateFlag.objects.filter(
            Q(organisation=duplicate) | Q(candidate=duplicate), resolved_at__isnull=True
        ):
            other = (
                flag.candidate_id if flag.organisation_id == duplicate.pk else flag.organisation_id
            )
            clash = DuplicateFlag.objects.filter(
                Q(organisation=survivor, candidate_id=other)
                | Q(organisation_id=other, candidate=survivor)
            ).exists()
            if clash or other == survivor.pk:
                flag.resolved_at = now
                flag.resolution = "merged"
                flag.save(update_fields=["resolved_at", "resolution"])
            elif flag.organisation_id == duplicate.pk:
                flag.organisation = survivor
                flag.save(update_fields=["organisation"])
            else:
                flag.candidate = survivor
                flag.save(update_fields=["candidate"])
        counts["flags_resolved"] = resolved

        merge = OrganisationMerge.objects.create(
            survivor=survivor,
            duplicate=duplicate,
            actor=acting_user(actor),
            snapshot=snapshot,
        )
        log_action(
            actor=actor,
            action="stakeholders.organisation.merged",
            obj=survivor,
            payload={
                "merge": merge.pk,
                "duplicate": duplicate.pk,
                "duplicate_name": duplicate.legal_name,
                "moved": counts,
                "taken": taken,
                "accounts_moved": sorted(move_accounts),
                "before": {"survivor": snapshot["survivor"], "duplicate": snapshot["duplicate"]},
            },
        )
        log_action(
            actor=actor,
            action="stakeholders.organisation.merged_away",
            obj=duplicate,
            payload={"survivor": survivor.pk, "merge": merge.pk},
        )
    return survivor


def _unsafe_reasons(
    merge: OrganisationMerge, survivor: Organisation, duplicate: Organisation
) -> list[str]:
    snapshot = merge.snapshot
    reasons = []
    if duplicate.merged_into_id != survivor.pk:
        reasons.append(str(_("the merged-away organisation no longer points at the kept one")))
    if survivor.merged_into_id is not None:
        reasons.append(str(_("the kept organisation has since been merged into another one")))
    later = type(merge).objects.filter(
        Q(survivor=survivor) | Q(duplicate=survivor), pk__gt=merge.pk, undone_at__isnull=True
    )
    if later.exists():
        reasons.append(str(_("a later merge involves the kept organisation: undo that one first")))
    after = snapshot["survivor_after"]
    changed = [f for f in snapshot["take_fields"] if _field_value(survivor, f) != after.get(f)]
    if changed:
        reasons.append(
            str(_("fields taken over by the merge were changed since: %(fields)s"))
            % {"fields": ", ".join(changed)}
        )
    moved = snapshot["moved"]
    for model, ids in (
        (ContactPerson, moved["contacts"]),
        (Offer, [pk for pk, _claimed in moved["offers"]]),
        (Interaction, moved["interactions"]),
    ):
        still = model.objects.filter(pk__in=ids, organisation=survivor).count()
        if still != len(ids):
            reasons.append(
                str(_("some moved %(things)s were deleted or moved since"))
                % {"things": model._meta.verbose_name_plural}
            )
    state = snapshot["duplicate"]
    for field in ("tax_code", "vat_number"):
        code = state[field]
        if code and (
            Organisation.objects.active()
            .filter(Q(tax_code=code) | Q(vat_number=code))
            .exclude(pk=survivor.pk if field in snapshot["take_fields"] else 0)
            .exists()
        ):
            reasons.append(
                str(_("another organisation now carries the code %(code)s")) % {"code": code}
            )
    return reasons


def undo_merge(*, merge: OrganisationMerge, actor: Any) -> Organisation:
    """Restore the merged-away organisation, its links and the kept record's fields.

    Refuses (``ValidationError`` with the reasons) when anything done since depends on the
    merge: a later merge, a taken-over field edited again, a moved record deleted or moved
    elsewhere, a code now used by another organisation. Returns the restored organisation.
    """
    with transaction.atomic():
        merge = OrganisationMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ValidationError(_("This merge has already been undone."))
        survivor, duplicate = _lock_pair(merge.survivor, merge.duplicate)
        reasons = _unsafe_reasons(merge, survivor, duplicate)
        if reasons:
            raise ValidationError(
                _("This merge cannot be undone safely: %(reasons)s.")
                % {"reasons": "; ".join(reasons)}
            )
        snapshot = merge.snapshot
        before = snapshot["survivor"]
        # The survivor gives back the fields it took (codes first, so the duplicate can
        # take them again under the unique constraints on active organisations).
        for field in snapshot["take_fields"]:
            attname = f"{field}_id" if field == "relationship_owner" else field
            setattr(survivor, attname, before[field])
        survivor.email_domain_verified = (
            before["email_domain_verified"]
            if "email_domain" in snapshot["take_fields"]
            else survivor.email_domain_verified
        )
        survivor.save()
        duplicate.merged_into = None
        duplicate.save(update_fields=["merged_into", "updated_at"])

        moved = snapshot["moved"]
        ContactPerson.objects.filter(pk__in=moved["contacts"]).update(organisation=duplicate)
        Interaction.objects.filter(pk__in=moved["interactions"]).update(organisation=duplicate)
        for claimed in (True, False):
            Offer.objects.filter(
                pk__in=[pk for pk, was in moved["offers"] if was is claimed]
            ).update(organisation=duplicate, created_organisation=claimed)

        for membership in snapshot["memberships"]:
            if membership["created_on_survivor"]:
                OrganisationMembership.objects.filter(
                    organisation=survivor, user_id=membership["user"]
                ).delete()
            OrganisationMembership.objects.get_or_create(
                organisation=duplicate,
                user_id=membership["user"],
                defaults={"created_at": parse_datetime(membership["created_at"])},
            )
        for relation in _RELATIONS:
            getattr(survivor, relation).remove(*snapshot["added"][relation])
            getattr(duplicate, relation).set(snapshot["duplicate"][relation])
        for flag in snapshot["flags"]:
            DuplicateFlag.objects.filter(pk=flag["id"]).update(
                organisation_id=flag["organisation"],
                candidate_id=flag["candidate"],
                resolved_at=parse_datetime(flag["resolved_at"]) if flag["resolved_at"] else None,
                resolution=flag["resolution"],
            )

        merge.undone_at = timezone.now()
        merge.undone_by = acting_user(actor)
        merge.save(update_fields=["undone_at", "undone_by"])
        log_action(
            actor=actor,
            action="stakeholders.organisation.merge_undone",
            obj=duplicate,
            payload={"merge": merge.pk, "survivor": survivor.pk},
        )
    return duplicate
