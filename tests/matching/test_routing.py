"""Routing: each rule in isolation, what an assignment sets, and balance under concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation

from contactpoint.audit import history_for
from contactpoint.models import OutboxMessage
from matching import notifications, routing, sla
from matching.models import Absence, AccountManagerProfile, Match, Notification, Stage
from tests.factories import InterventionAreaFactory, NeedFactory, OrganisationFactory
from tests.matching.workflow_support import (
    make_manager,
    make_match,
    make_team_lead,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def area():
    return InterventionAreaFactory(slug="poverta-digitale", name="Povertà digitale")


def new_match(area, *, organisation=None):
    return make_match(
        manager=None,
        stage=Stage.PROPOSED,
        need=NeedFactory(area=area),
        organisation=organisation or OrganisationFactory(),
    )


def give_load(manager, *stages):
    for stage in stages:
        make_match(manager=manager, stage=stage)


def route(match):
    routing.route_match(match=match)
    match.refresh_from_db()
    return match


def candidate(match, user):
    return next(c for c in match.routing_reason["candidates"] if c["user"] == user.pk)


def test_relationship_owner_keeps_the_organisation_even_outside_their_areas(area):
    owner = make_manager(areas=[])
    expert = make_manager(areas=[area])
    give_load(owner, Stage.NEGOTIATING, Stage.NEGOTIATING)
    organisation = OrganisationFactory(relationship_owner=owner)

    match = route(new_match(area, organisation=organisation))

    assert match.manager == owner
    assert match.routing_reason["rule"] == routing.RULE_OWNER
    assert match.routing_reason["owner"]["load"] == 4
    assert expert.pk not in [c["user"] for c in match.routing_reason["candidates"]]


def test_absent_relationship_owner_falls_back_to_area_expertise(area):
    owner = make_manager(areas=[area])
    expert = make_manager(areas=[area])
    today = timezone.localdate()
    Absence.objects.create(profile=owner.manager_profile, start=today, end=today)
    organisation = OrganisationFactory(relationship_owner=owner)

    match = route(new_match(area, organisation=organisation))

    assert match.manager == expert
    assert match.routing_reason["rule"] == routing.RULE_AREA
    assert match.routing_reason["owner"]["refusal"] == "absent"


def test_only_managers_expert_in_the_needs_area_are_considered(area):
    idle_elsewhere = make_manager(areas=[InterventionAreaFactory()])
    busy_expert = make_manager(areas=[area])
    give_load(busy_expert, Stage.ASSIGNED, Stage.CONTACTED)

    match = route(new_match(area))

    assert match.manager == busy_expert
    assert [c["user"] for c in match.routing_reason["candidates"]] == [busy_expert.pk]
    assert idle_elsewhere.managed_matches.count() == 0


def test_least_loaded_counts_open_matches_weighted_by_stage(area):
    fewer_but_heavier = make_manager(areas=[area])
    more_but_lighter = make_manager(areas=[area])
    give_load(fewer_but_heavier, Stage.NEGOTIATING, Stage.AGREED)  # 2 matches, load 4
    give_load(more_but_lighter, Stage.ASSIGNED, Stage.ASSIGNED, Stage.IN_DELIVERY)  # 3, load 3
    give_load(more_but_lighter, *[Stage.COMPLETED] * 5, Stage.DECLINED_BY_CITY)  # closed: 0

    match = route(new_match(area))

    assert match.manager == more_but_lighter
    assert candidate(match, fewer_but_heavier)["load"] == 4
    assert candidate(match, more_but_lighter)["load"] == 3
    assert match.routing_reason["weights"] == routing.STAGE_WEIGHTS


def test_absent_manager_is_skipped_however_light_their_load(area):
    absent = make_manager(areas=[area])
    present = make_manager(areas=[area])
    give_load(present, Stage.NEGOTIATING)
    today = timezone.localdate()
    Absence.objects.create(
        profile=absent.manager_profile, start=today - timedelta(days=2), end=today
    )
    Absence.objects.create(  # a past absence does not count
        profile=present.manager_profile,
        start=today - timedelta(days=10),
        end=today - timedelta(days=5),
    )

    match = route(new_match(area))

    assert match.manager == present
    assert candidate(match, absent)["refusal"] == "absent"
    assert candidate(match, present)["eligible"] is True


def test_manager_at_capacity_is_skipped(area):
    full = make_manager(areas=[area], capacity=2)
    give_load(full, Stage.NEGOTIATING)  # load 2 of 2
    roomy = make_manager(areas=[area], capacity=10)
    give_load(roomy, Stage.ASSIGNED, Stage.ASSIGNED, Stage.ASSIGNED)

    match = route(new_match(area))

    assert match.manager == roomy
    assert candidate(match, full)["refusal"] == "at_capacity"


def test_manager_marked_unavailable_is_skipped(area):
    away = make_manager(areas=[area], available=False)
    busy = make_manager(areas=[area])
    give_load(busy, Stage.CONTACTED)

    match = route(new_match(area))

    assert match.manager == busy
    assert candidate(match, away)["refusal"] == "unavailable"


def test_tie_goes_to_the_least_recently_assigned_never_assigned_first(area):
    now = timezone.now()
    recent = make_manager(areas=[area])
    older = make_manager(areas=[area])
    never = make_manager(areas=[area])
    AccountManagerProfile.objects.filter(user=recent).update(last_assigned_at=now)
    AccountManagerProfile.objects.filter(user=older).update(
        last_assigned_at=now - timedelta(days=3)
    )

    first = route(new_match(area))
    second = route(new_match(area))
    third = route(new_match(area))

    assert first.manager == never
    assert second.manager == older
    assert third.manager == recent


def test_no_eligible_manager_leaves_the_match_unassigned_and_alerts_every_team_lead(area):
    make_manager(areas=[area], available=False)
    leads = [make_team_lead(), make_team_lead()]

    match = route(new_match(area))

    assert match.manager is None
    assert match.stage == Stage.PROPOSED
    assert match.routing_reason["rule"] == routing.RULE_UNASSIGNED
    alerts = Notification.objects.filter(kind=notifications.Kind.UNASSIGNED_ALERT, match=match)
    assert sorted(a.recipient_id for a in alerts) == sorted(lead.pk for lead in leads)
    assert OutboxMessage.objects.filter(task_name="matching.send_notification").count() == 2
    assert history_for(match).filter(action="matching.match.unassigned").exists()
    with translation.override("en"):
        assert "No eligible manager" in routing.describe_reason(match.routing_reason)


def test_assignment_sets_stage_deadline_and_tells_the_manager_at_once(area):
    manager = make_manager(areas=[area], first_name="Laura", last_name="Conti")

    match = route(new_match(area))

    today = timezone.localdate()
    assert match.manager == manager
    assert match.stage == Stage.ASSIGNED
    assert match.assigned_at is not None
    assert match.first_contact_due == sla.add_working_days(today, 3)
    manager.manager_profile.refresh_from_db()
    assert manager.manager_profile.last_assigned_at == match.assigned_at
    notification = Notification.objects.get(recipient=manager, match=match)
    assert notification.kind == notifications.Kind.ASSIGNED
    message = OutboxMessage.objects.get(task_name="matching.send_notification")
    assert message.args == [notification.pk]
    events = list(match.events.values_list("kind", "to_stage"))
    assert ("stage", Stage.ASSIGNED) in events
    assert ("routed", "") in events
    assert history_for(match).filter(action="matching.match.assigned").exists()
    assert "Laura Conti" in routing.describe_reason(match.routing_reason)


def test_first_contact_deadline_follows_the_setting(area, settings):
    settings.MATCH_FIRST_CONTACT_WORKING_DAYS = 5
    make_manager(areas=[area])

    match = route(new_match(area))

    assert match.first_contact_due == sla.add_working_days(timezone.localdate(), 5)


def test_routing_twice_changes_nothing(area):
    make_manager(areas=[area])
    match = route(new_match(area))
    reason = match.routing_reason

    again = route(match)

    assert again.routing_reason == reason
    assert Notification.objects.filter(match=match).count() == 1


def test_new_matches_from_the_engine_are_routed(area):
    from matching import services

    manager = make_manager(areas=[area])
    need = NeedFactory(
        area=area,
        title="Computer portatili per le scuole",
        description="Computer portatili per gli alunni che studiano da casa.",
    )
    offer = make_match(manager=None, need=need).offer  # an offer; its match is dropped below
    Match.objects.filter(offer=offer).delete()
    offer.title = "Donazione di computer portatili"
    offer.description = "Regaliamo computer portatili ricondizionati."
    offer.save()
    offer.areas.add(area)

    matches = services.match_offer(offer=offer)

    created = Match.objects.get(offer=offer, need=need)
    assert created in matches
    assert created.manager == manager
    assert created.stage == Stage.ASSIGNED


@pytest.mark.django_db(transaction=True)
def test_concurrent_routing_balances_between_equal_managers(area):
    first, second = make_manager(areas=[area]), make_manager(areas=[area])
    one, two = new_match(area), new_match(area)
    first_routed = threading.Event()
    errors = []

    def route_and_hold():
        try:
            with transaction.atomic():
                routing.route_match(match=one)
                first_routed.set()
                threading.Event().wait(0.8)  # hold the lock while the other routing starts
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            first_routed.set()
        finally:
            connection.close()

    def route_second():
        try:
            first_routed.wait(10)
            routing.route_match(match=two)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=route_and_hold), threading.Thread(target=route_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    one.refresh_from_db()
    two.refresh_from_db()
    assert {one.manager_id, two.manager_id} == {first.pk, second.pk}
