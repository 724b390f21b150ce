"""The matching part of a person's data export: the matches of the offers they made or
their organisations made, as their stakeholder area shows them (no staff notes)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from contactpoint import privacy

from .models import Match


def matches_export(person: privacy.Person) -> list[dict[str, Any]]:
    matches = (
        Match.objects.filter(
            Q(offer__contact_id__in=person.contact_ids)
            | Q(offer__organisation_id__in=person.organisation_ids)
        )
        .select_related("need", "offer")
        .order_by("created_at", "pk")
    )
    return [
        {
            "id": match.pk,
            "offer": {"id": match.offer_id, "title": match.offer.title},
            "need": {"id": match.need_id, "title": match.need.title},
            "stage": match.stage,
            "quantity": match.quantity,
            "created_at": match.created_at.isoformat(),
            "contacted_at": match.contacted_at.isoformat() if match.contacted_at else None,
        }
        for match in matches
    ]


def install() -> None:
    privacy.register_export_section("matches", matches_export)
