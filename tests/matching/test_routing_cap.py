"""Route only the best: per offer at most ``MATCH_ROUTED_PER_OFFER`` matches within the
margin of the best are assigned and notified; the rest are "other candidates", promoted in
one click; re-matching tops up to the cap and never floods."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.urls import reverse

from contactpoint.models import AuditEntry
from matching import engine, lifecycle, routing, services
from matching.models import Match, MatchEvent, Notification, Stage
from tests.factories import NeedFactory
from tests.matching.workflow_support import (
    login,
    make_manager,
    make_stakeholder,
    make_team_lead,
)

from .engine_catalogue import build_catalogue, laptop_offer

pytestmark = [pytest.mark.django_db, pytest.mark.accept_language("en")]


@pytest.fixture
def catalogue(settings):
    settings.MATCH_ROUTED_PER_OFFER = 2
    catalogue = build_catalogue()
    for i in range(4):
        NeedFactory(
            title=f"Computer portatili per la scuola {i}",
            description="Computer portatili per gli studenti che seguono le lezioni a casa.",
            area=catalogue.areas["digital-poverty"],
            neighbourhood=catalogue.nils["corvetto"],
        )
    return catalogue


@pytest.fixture
def manager(catalogue):
    return make_manager(areas=list(catalogue.areas.values()), capacity=100)


@pytest.fixture
def wide_margin(monkeypatch):
    monkeypatch.setattr(engine, "LIMITS", replace(engine.LIMITS, route_margin=1.0))


def routed(offer):
    return Match.objects.open().filter(offer=offer, other_candidate=False)


def others(offer):
    return Match.objects.open().filter(offer=offer, other_candidate=True)


def test_at_most_the_cap_is_assigned_and_notified_the_rest_are_other_candidates(
    catalogue, manager, wide_margin
):
    offer = laptop_offer(catalogue)

    services.match_offer_by_id(offer.pk)

    assert routed(offer).count() == 2
    assert set(routed(offer).values_list("manager", flat=True)) == {manager.pk}
    assert set(routed(offer).values_list("stage", flat=True)) == {Stage.ASSIGNED}
    assert others(offer).count() >= 3
    assert set(others(offer).values_list("stage", flat=True)) == {Stage.PROPOSED}
    assert not others(offer).filter(manager__isnull=False).exists()
    best_routed = min(routed(offer).values_list("score", flat=True))
    assert all(score <= best_routed for score in others(offer).values_list("score", flat=True))
    notified = Notification.objects.filter(kind="assigned", recipient=manager)
    assert set(notified.values_list("match", flat=True)) == set(
        routed(offer).values_list("pk", flat=True)
    )
    entry = AuditEntry.objects.get(action="matching.offer.matched", object_id=str(offer.pk))
    assert sorted(entry.payload["routed"]) == sorted(routed(offer).values_list("pk", flat=True))
    assert sorted(entry.payload["other_candidates"]) == sorted(
        others(offer).values_list("pk", flat=True)
    )


def test_only_matches_within_the_margin_of_the_best_are_routed(catalogue, manager, monkeypatch):
    monkeypatch.setattr(engine, "LIMITS", replace(engine.LIMITS, route_margin=0.0))
    offer = laptop_offer(catalogue)

    services.match_offer_by_id(offer.pk)

    best = max(Match.objects.filter(offer=offer).values_list("score", flat=True))
    assert set(routed(offer).values_list("score", flat=True)) == {best}  # the best (ties)
    assert others(offer).exists()
    assert any(score < best for score in others(offer).values_list("score", flat=True))


def test_select_routed_fills_free_slots_with_the_best_waiting_within_the_margin():
    def match(pk, score, **fields):
        return Match(pk=pk, score=score, stage=fields.pop("stage", Stage.PROPOSED), **fields)

    worked = match(1, 0.9, stage=Stage.CONTACTED)
    close = match(2, 0.85)
    closer = match(3, 0.88, other_candidate=True)
    far = match(4, 0.5)

    to_route, kept = routing.select_routed(
        [worked, close, closer, far], new_ids={2, 4}, cap=3, margin=0.1
    )

    assert [m.pk for m in to_route] == [3, 2]  # two free slots, best first
    assert [m.pk for m in kept] == [4]  # outside the margin: kept even with a slot free
    to_route, kept = routing.select_routed([worked, close], new_ids={2}, cap=1, margin=1.0)
    assert to_route == [] and [m.pk for m in kept] == [2]  # the cap is full


def test_rematching_tops_up_to_the_cap_and_never_floods(catalogue, manager, wide_margin):
    offer = laptop_offer(catalogue)
    services.match_offer_by_id(offer.pk)
    first = set(routed(offer).values_list("pk", flat=True))
    waiting = list(others(offer).order_by("-score", "-pk").values_list("pk", flat=True))

    services.match_offer_by_id(offer.pk)
    assert set(routed(offer).values_list("pk", flat=True)) == first  # nothing added

    declined = Match.objects.get(pk=min(first))
    lifecycle.transition(match=declined, to_stage=Stage.DECLINED_BY_CITY, actor=None)
    services.match_offer_by_id(offer.pk)

    now = set(routed(offer).values_list("pk", flat=True))
    assert len(now) == 2
    assert now == (first - {declined.pk}) | {waiting[0]}
    assert Match.objects.get(pk=waiting[0]).manager == manager

    # A need published later that fits the offer becomes another candidate: the cap is full.
    need = NeedFactory(
        title="Computer portatili per il centro giovani",
        description="Computer portatili per i ragazzi che seguono le lezioni a casa.",
        area=catalogue.areas["digital-poverty"],
    )
    services.match_need(need=need)
    assert routed(offer).count() == 2
    assert Match.objects.get(offer=offer, need=need).other_candidate


def test_a_manager_promotes_another_candidate_in_one_click(client, catalogue, manager):
    offer = laptop_offer(catalogue)
    services.match_offer_by_id(offer.pk)
    top = routed(offer).first()
    candidate = others(offer).order_by("-score").first()
    login(client, manager)

    page = client.get(reverse("admin:matching_match_change", args=[top.pk]))
    promote_url = reverse("admin:matching_match_promote", args=[candidate.pk])
    assert f'action="{promote_url}"' in page.content.decode()

    response = client.post(promote_url)

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert not candidate.other_candidate
    assert candidate.stage == Stage.ASSIGNED and candidate.manager == manager
    assert routed(offer).count() == 3  # a person chose it: beyond the cap
    assert MatchEvent.objects.filter(match=candidate, kind="promoted").exists()
    assert AuditEntry.objects.filter(
        action="matching.match.promoted", object_id=str(candidate.pk)
    ).exists()
    assert Notification.objects.filter(kind="assigned", match=candidate).exists()
    # Promoting twice changes nothing and says why.
    again = client.post(promote_url, follow=True)
    assert "Only a proposed other candidate can be promoted." in again.content.decode()


def test_the_admin_action_promotes_the_selected_other_candidates(client, catalogue, manager):
    lead = make_team_lead()
    offer = laptop_offer(catalogue)
    services.match_offer(offer=offer)
    chosen = list(others(offer).values_list("pk", flat=True)[:2])
    login(client, lead)

    response = client.post(
        "/admin/matching/match/?queue=all",
        {"action": "promote_selected", "_selected_action": chosen},
    )

    assert response.status_code == 302
    assert not Match.objects.filter(pk__in=chosen, other_candidate=True).exists()
    assert AuditEntry.objects.filter(action="matching.match.promoted").count() == 2


def test_stakeholders_cannot_promote(client, catalogue, manager):
    offer = laptop_offer(catalogue)
    services.match_offer(offer=offer)
    candidate = others(offer).first()
    login(client, make_stakeholder(offer.organisation))

    response = client.post(reverse("admin:matching_match_promote", args=[candidate.pk]))

    assert response.status_code in (302, 403, 404)
    candidate.refresh_from_db()
    assert candidate.other_candidate and candidate.manager is None
    with pytest.raises(lifecycle.NotPermitted):
        routing.promote_candidate(match=candidate, actor=make_stakeholder(offer.organisation))


def test_other_candidates_stay_out_of_the_unassigned_queue(client, catalogue):
    lead = make_team_lead()
    offer = laptop_offer(catalogue)
    services.match_offer(offer=offer)  # nobody is expert: routed ones wait for a lead
    login(client, lead)

    response = client.get("/admin/matching/match/", {"queue": "unassigned"})

    listed = {m.pk for m in response.context["cl"].result_list}
    assert listed == set(routed(offer).values_list("pk", flat=True))
    assert not listed & set(others(offer).values_list("pk", flat=True))


def test_a_match_clearly_less_relevant_than_the_best_waits_even_when_its_score_is_close():
    def match(pk, score, relevance, chosen=False):
        parts = [{"key": "chosen"}] if chosen else []
        return Match(
            pk=pk,
            score=score,
            stage=Stage.PROPOSED,
            score_parts={"relevance": relevance, "parts": parts},
        )

    best = match(1, 0.80, 0.9)
    as_relevant = match(2, 0.78, 0.85)
    nearer_but_off_topic = match(3, 0.79, 0.3)  # same place and dates, another thing
    chosen = match(4, 0.77, 0.0, chosen=True)  # the stakeholder chose it: no comparison

    to_route, kept = routing.select_routed(
        [best, as_relevant, nearer_but_off_topic, chosen],
        new_ids={1, 2, 3, 4},
        cap=4,
        margin=0.05,
        relevance_ratio=0.9,
    )

    assert [m.pk for m in to_route] == [1, 2, 4]
    assert [m.pk for m in kept] == [3]


def test_the_api_tells_other_candidates_apart_and_keeps_them_out_of_unassigned(client, catalogue):
    lead = make_team_lead()
    offer = laptop_offer(catalogue)
    services.match_offer(offer=offer)  # nobody is expert: routed ones wait for a lead
    login(client, lead)

    unassigned = client.get("/api/v1/matches/", {"unassigned": "true"}).json()
    waiting = client.get("/api/v1/matches/", {"other_candidate": "true"}).json()

    results = unassigned.get("results", unassigned)
    assert {m["id"] for m in results} == set(routed(offer).values_list("pk", flat=True))
    assert all(not m["other_candidate"] for m in results)
    others_listed = waiting.get("results", waiting)
    assert {m["id"] for m in others_listed} == set(others(offer).values_list("pk", flat=True))


def test_stakeholders_do_not_see_other_candidates_in_their_area(client, catalogue, manager):
    offer = laptop_offer(catalogue)
    services.match_offer(offer=offer)
    login(client, make_stakeholder(offer.organisation))

    response = client.get("/my/matches/")

    listed = {m.pk for m in response.context["matches"]}
    assert listed == set(routed(offer).values_list("pk", flat=True))
    hidden = others(offer).first()
    assert client.get(f"/my/matches/{hidden.pk}/").status_code == 404
