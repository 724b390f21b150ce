"""The demo: account managers with Milan's areas, Milan's holidays, demo offers routed."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from matching import routing
from matching.models import AccountManagerProfile, Holiday, Match, Notification, Stage

pytestmark = pytest.mark.django_db


def test_seed_demo_routes_the_demo_offers_to_the_demo_managers_and_is_idempotent():
    call_command("seed_demo")

    profiles = {p.user.email: p for p in AccountManagerProfile.objects.select_related("user")}
    assert {"manager@example.org", "manager2@example.org", "lead@example.org"} <= set(profiles)
    assert "poverta-digitale" in {a.slug for a in profiles["manager@example.org"].areas.all()}
    assert "poverta-alimentare" in {a.slug for a in profiles["manager2@example.org"].areas.all()}
    assert Holiday.objects.get(date=date(2026, 12, 7)).name == "Sant'Ambrogio"
    assert Holiday.objects.filter(date=date(2027, 12, 25)).exists()

    matches = list(Match.objects.routed().select_related("manager", "need__area"))
    assert matches, "the demo offers should produce matches"
    # The rest are other candidates: proposed, unassigned, never routed.
    others = Match.objects.filter(other_candidate=True)
    assert set(others.values_list("stage", flat=True)) <= {Stage.PROPOSED}
    assert not others.filter(manager__isnull=False).exists()
    for match in matches:
        rule = match.routing_reason.get("rule")
        assert rule in (routing.RULE_OWNER, routing.RULE_AREA, routing.RULE_UNASSIGNED), match
        if rule == routing.RULE_AREA:
            areas = {a.pk for a in profiles[match.manager.email].areas.all()}
            assert match.need.area_id in areas
            assert match.stage == Stage.ASSIGNED
    counts = (Match.objects.count(), Notification.objects.count(), Holiday.objects.count())

    call_command("seed_demo")

    assert (Match.objects.count(), Notification.objects.count(), Holiday.objects.count()) == counts
