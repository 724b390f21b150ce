"""Demo data of the match workflow, for ``make run``: account managers, holidays, matches.

Runs last in ``seed_demo`` (it needs the users, the reference data, needs and offers).
Idempotent: profiles are updated in place, holidays upserted, matching re-runs without
creating duplicates.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from needs.models import InterventionArea
from stakeholders.models import Offer

from . import services, sla
from .models import AccountManagerProfile

logger = logging.getLogger(__name__)

# Who knows what: the two demo managers split Milan's intervention areas (by slug, as in
# needs/data/intervention_areas.csv); the team lead takes no matches of her own by area.
DEMO_MANAGERS: dict[str, dict[str, Any]] = {
    "manager@example.org": {
        "areas": ("poverta-digitale", "scuole-svantaggiate", "stem"),
        "capacity": 20,
    },
    "manager2@example.org": {
        "areas": ("poverta-alimentare", "quartiere-15-minuti", "verde", "economia-circolare"),
        "capacity": 20,
    },
    "lead@example.org": {"areas": (), "capacity": 5},
}


def load() -> None:
    """Account manager profiles, Milan's holidays for this year and the next, and matches
    for the open demo offers (when the matching engine is installed)."""
    load_profiles()
    year = timezone.localdate().year
    sla.load_holidays(years=sorted({2026, 2027, year, year + 1}), country="IT", subdiv="MI")
    match_open_offers()


@transaction.atomic
def load_profiles() -> None:
    User = get_user_model()
    areas = {area.slug: area for area in InterventionArea.objects.all()}
    for email, spec in DEMO_MANAGERS.items():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            logger.warning("demo user %s is missing: load contactpoint.demo first", email)
            continue
        profile, _created = AccountManagerProfile.objects.update_or_create(
            user=user, defaults={"capacity": spec["capacity"], "available": True}
        )
        profile.areas.set([areas[slug] for slug in spec["areas"] if slug in areas])


def match_open_offers() -> int:
    """Run the engine over the open demo offers; new matches are routed as they are made."""
    count = 0
    for offer in Offer.objects.open().filter(quantity_open__gt=0).order_by("pk"):
        services.match_offer(offer=offer)
        count += 1
    return count
