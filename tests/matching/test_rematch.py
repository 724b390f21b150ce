"""Re-matching is idempotent, re-scores open matches, expires unworked ones that no longer
qualify, leaves worked and closed ones alone; the reverse direction agrees with it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contactpoint.models import AuditEntry
from matching import services
from matching.models import Match, Stage
from needs.models import Need, ResourceKind
from stakeholders.models import Offer
from tests.factories import AccountManagerProfileFactory, NeedFactory, UserFactory

from .engine_catalogue import build_catalogue, laptop_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build_catalogue()


def snapshot(offer):
    return list(
        Match.objects.filter(offer=offer)
        .order_by("need_id")
        .values_list("need_id", "score", "stage", "quantity")
    )


def test_matching_an_offer_twice_creates_no_duplicates(catalogue):
    offer = laptop_offer(catalogue)

    first = services.match_offer(offer=offer)
    before = snapshot(offer)
    second = services.match_offer(offer=offer)

    assert first and [m.pk for m in first] == [m.pk for m in second]
    assert all(m.inserted for m in first)
    assert not any(m.inserted for m in second)
    assert snapshot(offer) == before
    runs = AuditEntry.objects.filter(action="matching.offer.matched", object_id=str(offer.pk))
    assert [len(e.payload["created"]) for e in runs.order_by("created_at", "id")] == [len(first), 0]


def test_new_matches_are_proposed_with_score_parts_and_the_quantity_both_sides_have(catalogue):
    offer = laptop_offer(catalogue)

    services.match_offer(offer=offer)

    match = Match.objects.get(offer=offer, need=catalogue.needs["laptops"])
    assert match.stage == Stage.PROPOSED
    assert match.quantity == 30  # the offer has 30, the need 40
    assert not match.allocated
    assert match.score == pytest.approx(match.score_parts["total"], abs=1e-4)
    assert {p["key"] for p in match.score_parts["parts"]} >= {"text", "place", "history"}
    entry = AuditEntry.objects.get(action="matching.offer.matched")
    assert entry.object_id == str(offer.pk)
    assert match.pk in entry.payload["created"]


def test_a_changed_offer_rescores_its_open_matches(catalogue):
    offer = laptop_offer(catalogue)
    services.match_offer(offer=offer)
    match = Match.objects.get(offer=offer, need=catalogue.needs["laptops"])
    old_score = match.score

    Offer.objects.filter(pk=offer.pk).update(quantity=40, quantity_open=40)
    offer.neighbourhoods.add(catalogue.nils["rogoredo"])
    services.match_offer(offer=offer)

    match.refresh_from_db()
    assert match.score > old_score
    assert Match.objects.filter(offer=offer, need=catalogue.needs["laptops"]).count() == 1


def test_rematching_updates_only_the_score_of_a_match_people_are_working(catalogue):
    offer = laptop_offer(catalogue)
    manager = UserFactory()
    match = services.match_offer(offer=offer)[0]
    Match.objects.filter(pk=match.pk).update(
        stage=Stage.NEGOTIATING, manager=manager, quantity=7, score=0.01
    )

    services.match_offer(offer=offer)

    match.refresh_from_db()
    assert (match.stage, match.manager, match.quantity) == (Stage.NEGOTIATING, manager, 7)
    assert match.score > 0.01


def test_an_unworked_match_whose_need_is_closed_expires_on_rematch(catalogue):
    offer = laptop_offer(catalogue)
    services.match_offer(offer=offer)
    laptops, tablets = catalogue.needs["laptops"], catalogue.needs["tablets"]
    Match.objects.filter(offer=offer, need=tablets).update(stage=Stage.CONTACTED)
    Need.objects.filter(pk__in=[laptops.pk, tablets.pk]).update(status=Need.Status.CLOSED)

    services.match_offer(offer=offer)

    assert Match.objects.get(offer=offer, need=laptops).stage == Stage.EXPIRED
    # Someone has contacted the stakeholder: the account manager decides, not the engine.
    assert Match.objects.get(offer=offer, need=tablets).stage == Stage.CONTACTED
    match = Match.objects.get(offer=offer, need=laptops)
    event = match.events.get(to_stage=Stage.EXPIRED)
    assert event.from_stage in (Stage.PROPOSED, Stage.ASSIGNED)  # assigned once routed
    assert AuditEntry.objects.filter(action="matching.match.expired").count() == 1


def test_a_declined_pair_is_never_proposed_again(catalogue):
    offer = laptop_offer(catalogue)
    services.match_offer(offer=offer)
    declined = Match.objects.get(offer=offer, need=catalogue.needs["laptops"])
    Match.objects.filter(pk=declined.pk).update(stage=Stage.DECLINED_BY_CITY, score=0.01)

    services.match_offer(offer=offer)

    declined.refresh_from_db()
    assert (declined.stage, declined.score) == (Stage.DECLINED_BY_CITY, 0.01)
    assert Match.objects.filter(offer=offer, need=catalogue.needs["laptops"]).count() == 1


def _laptop_needs(catalogue, count: int) -> None:
    for i in range(count):
        NeedFactory(
            title=f"Computer portatili per la scuola {i}",
            area=catalogue.areas["digital-poverty"],
            neighbourhood=catalogue.nils["corvetto"],
        )


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_engine_matches_an_offer_in_a_few_queries_whatever_the_catalogue_size(catalogue):
    _laptop_needs(catalogue, 12)
    first = laptop_offer(catalogue)
    small = _queries(lambda: services.match_offer(offer=first, route=False))
    _laptop_needs(catalogue, 150)
    offer = laptop_offer(catalogue)
    large = _queries(lambda: services.match_offer(offer=offer, route=False))

    assert Match.objects.filter(offer=offer).count() == 10  # Limits.keep
    # retrieve, savepoint, upsert, lock the offer (routing cap), its open matches, mark
    # the other candidates, audit, release savepoint, leave the intake list (usually none)
    assert small == large <= 9


def test_matching_with_routing_does_not_grow_with_the_catalogue(catalogue):
    _laptop_needs(catalogue, 12)
    first = laptop_offer(catalogue)
    small = _queries(lambda: services.match_offer_by_id(first.pk))
    _laptop_needs(catalogue, 150)
    second = laptop_offer(catalogue)
    large = _queries(lambda: services.match_offer_by_id(second.pk))

    assert small == large


def test_a_new_need_finds_the_open_offers_that_fit_it(catalogue):
    laptops = catalogue.needs["laptops"]
    fitting = laptop_offer(catalogue)
    withdrawn = laptop_offer(catalogue, status=Offer.Status.WITHDRAWN)
    used_up = laptop_offer(catalogue, quantity_open=0)
    ended = laptop_offer(catalogue, available_until="2020-01-31", available_from="2020-01-01")
    other_kind = laptop_offer(catalogue, resource_kind=ResourceKind.FUNDING)

    services.match_need(need=laptops)

    offers = set(Match.objects.filter(need=laptops).values_list("offer_id", flat=True))
    assert fitting.pk in offers
    assert not offers & {withdrawn.pk, used_up.pk, ended.pk, other_kind.pk}


def test_a_pair_scores_the_same_found_from_the_offer_or_from_the_need(catalogue):
    laptops = catalogue.needs["laptops"]
    offer = laptop_offer(catalogue)
    services.match_need(need=laptops)
    from_need = Match.objects.get(offer=offer, need=laptops)

    services.match_offer(offer=offer)

    from_offer = Match.objects.get(pk=from_need.pk)
    assert from_offer.score == pytest.approx(from_need.score)
    assert from_offer.score_parts["parts"] == from_need.score_parts["parts"]


def test_the_need_the_stakeholder_chose_is_proposed_first(catalogue):
    printer = catalogue.needs["printer"]
    offer = laptop_offer(catalogue, need=printer)

    matches = services.match_offer(offer=offer)

    assert matches[0].need_id == printer.pk
    assert matches[0].score_parts["parts"][-1]["key"] == "chosen"


def test_rescore_open_matches_updates_scores_without_proposing_new_ones(catalogue):
    offer = laptop_offer(catalogue)
    services.match_offer(offer=offer)
    Match.objects.filter(offer=offer).update(score=0)
    count = Match.objects.filter(offer=offer).count()
    NeedFactory(title="Computer portatili", area=catalogue.areas["digital-poverty"])

    rescored = services.rescore_open_matches(offer=offer)

    assert len(rescored) == count == Match.objects.filter(offer=offer).count()
    assert all(m.score > 0 for m in Match.objects.filter(offer=offer))


def test_rematch_offers_runs_every_open_offer_and_is_idempotent(catalogue):
    offers = [laptop_offer(catalogue) for _ in range(3)]
    laptop_offer(catalogue, status=Offer.Status.DECLINED)

    assert services.rematch_offers() == 3
    total = Match.objects.count()
    assert services.rematch_offers(offer_ids=[o.pk for o in offers]) == 3
    assert Match.objects.count() == total > 0


def test_new_matches_are_routed_to_a_manager_once(catalogue):
    profile = AccountManagerProfileFactory()
    profile.areas.add(catalogue.areas["digital-poverty"])
    offer = laptop_offer(catalogue)

    created = services.match_offer(offer=offer)
    services.match_offer(offer=offer)

    match = Match.objects.get(offer=offer, need=catalogue.needs["laptops"])
    assert (match.manager, match.stage) == (profile.user, Stage.ASSIGNED)
    assert match.routing_reason["rule"]
    assert match.pk in {m.pk for m in created if m.manager_id == profile.user_id}
    assert match.events.filter(kind="routed").count() == 1


def test_route_false_leaves_new_matches_proposed(catalogue):
    AccountManagerProfileFactory().areas.add(catalogue.areas["digital-poverty"])
    offer = laptop_offer(catalogue)

    services.match_offer(offer=offer, route=False)

    assert set(Match.objects.filter(offer=offer).values_list("stage", "manager")) == {
        (Stage.PROPOSED, None)
    }
