"""Quantities: several offers cover one need, one offer is split across needs; coverage moves
the open quantities and the need's status in one transaction, under row locks."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from contactpoint.models import AuditEntry, OutboxMessage
from matching import quantities
from matching.models import Match, Stage
from needs.models import Need
from stakeholders.models import Offer
from tests.factories import MatchFactory, NeedFactory, OfferFactory, UserFactory


def make_match(need, offer_quantity: int, quantity: int) -> Match:
    offer = OfferFactory(quantity=offer_quantity)
    return MatchFactory(need=need, offer=offer, quantity=quantity, stage=Stage.NEGOTIATING)


def reload(*objects):
    for obj in objects:
        obj.refresh_from_db()


@pytest.mark.django_db
def test_two_offers_cover_one_need_partially_then_fully():
    manager = UserFactory()
    need = NeedFactory(quantity=40)
    first = make_match(need, offer_quantity=30, quantity=30)
    second = make_match(need, offer_quantity=100, quantity=10)

    quantities.allocate(match=first, quantity=30, actor=manager)
    reload(need, first.offer)
    assert (need.quantity_open, need.status) == (10, Need.Status.PARTIALLY_COVERED)
    assert first.offer.quantity_open == 0
    assert first.allocated

    quantities.allocate(match=second, actor=manager)  # the match's own quantity: 10
    reload(need, second.offer)
    assert (need.quantity_open, need.status) == (0, Need.Status.COVERED)
    assert second.offer.quantity_open == 90

    entry = AuditEntry.objects.filter(action="matching.match.allocated").first()
    assert entry.actor == manager
    assert entry.payload["need_status"] == ["partially_covered", "covered"]


@pytest.mark.django_db
def test_one_offer_is_split_across_needs():
    offer = OfferFactory(quantity=50)
    a = MatchFactory(offer=offer, need=NeedFactory(quantity=20), quantity=1)
    b = MatchFactory(offer=offer, need=NeedFactory(quantity=40), quantity=1)

    quantities.split_quantity(match=a, quantity=20, actor=None)
    quantities.split_quantity(match=b, quantity=30, actor=None)
    quantities.allocate(match=a, actor=None)
    quantities.allocate(match=b, actor=None)

    reload(offer, a.need, b.need)
    assert offer.quantity_open == 0
    assert (a.need.quantity_open, a.need.status) == (0, Need.Status.COVERED)
    assert (b.need.quantity_open, b.need.status) == (10, Need.Status.PARTIALLY_COVERED)


@pytest.mark.django_db
def test_over_allocation_is_refused_with_a_clear_message_and_nothing_changes():
    need = NeedFactory(quantity=5, unit="PC")
    match = make_match(need, offer_quantity=10, quantity=6)

    with pytest.raises(quantities.MatchingError) as refused:
        quantities.allocate(match=match, actor=None)

    assert refused.value.code == "need_over_allocated"
    assert "5 PC" in str(refused.value)
    assert isinstance(refused.value, ValueError)  # the lifecycle maps it to a field error
    reload(need, match, match.offer)
    assert (need.quantity_open, match.offer.quantity_open, match.allocated) == (5, 10, False)
    assert not AuditEntry.objects.filter(action="matching.match.allocated").exists()


@pytest.mark.django_db
def test_an_offer_cannot_give_more_than_it_has_left():
    match = make_match(NeedFactory(quantity=50), offer_quantity=3, quantity=4)
    with pytest.raises(quantities.MatchingError) as refused:
        quantities.allocate(match=match, actor=None)
    assert refused.value.code == "offer_over_allocated"


@pytest.mark.django_db
def test_allocating_twice_is_refused():
    match = make_match(NeedFactory(quantity=50), offer_quantity=10, quantity=2)
    quantities.allocate(match=match, actor=None)
    with pytest.raises(quantities.MatchingError) as refused:
        quantities.allocate(match=match, actor=None)
    assert refused.value.code == "already_allocated"
    reload(match.need)
    assert match.need.quantity_open == 48


@pytest.mark.django_db
def test_release_gives_the_quantity_back_and_reopens_the_need():
    need = NeedFactory(quantity=10)
    match = make_match(need, offer_quantity=10, quantity=10)
    quantities.allocate(match=match, actor=None)

    quantities.release(match=match, actor=None)
    quantities.release(match=match, actor=None)  # a second release changes nothing

    reload(need, match, match.offer)
    assert (need.quantity_open, need.status) == (10, Need.Status.PUBLISHED)
    assert match.offer.quantity_open == 10
    assert not match.allocated
    assert AuditEntry.objects.filter(action="matching.match.released").count() == 1


@pytest.mark.django_db
def test_a_closed_need_keeps_its_status_when_quantities_move():
    need = NeedFactory(quantity=10, status=Need.Status.CLOSED)
    match = make_match(need, offer_quantity=10, quantity=4)
    quantities.allocate(match=match, actor=None)
    reload(need)
    assert (need.quantity_open, need.status) == (6, Need.Status.CLOSED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("quantity", "code"), [(0, "quantity_too_small"), (11, "quantity_too_large")]
)
def test_split_quantity_stays_within_what_both_sides_have_open(quantity, code):
    match = make_match(NeedFactory(quantity=11), offer_quantity=10, quantity=1)
    with pytest.raises(quantities.MatchingError) as refused:
        quantities.split_quantity(match=match, quantity=quantity, actor=None)
    assert refused.value.code == code
    reload(match)
    assert match.quantity == 1


@pytest.mark.django_db
def test_allocation_queues_a_rematch_of_both_sides():
    match = make_match(NeedFactory(quantity=10), offer_quantity=10, quantity=10)
    quantities.allocate(match=match, actor=None)
    queued = list(OutboxMessage.objects.values_list("task_name", "args"))
    assert ("matching.match_need", [match.need_id]) in queued
    assert ("matching.match_offer", [match.offer_id]) in queued


def _race(matches, quantity: int) -> list[str]:
    """Allocate each match from its own thread and connection, all at once: the main
    thread holds the need's row lock until every thread is queued behind it."""
    results: list[str] = []
    need_id = matches[0].need_id

    def allocate(pk: int) -> None:
        try:
            quantities.allocate(match=Match.objects.get(pk=pk), quantity=quantity, actor=None)
            results.append("allocated")
        except quantities.MatchingError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(m.pk,)) for m in matches]
    with transaction.atomic():
        Need.objects.select_for_update().get(pk=need_id)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                # The statistics views are a snapshot per transaction: take a new one.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0] >= len(threads):
                    break
            time.sleep(0.02)
        else:
            pytest.fail(f"the threads never queued on the need's lock: {results}")
    for thread in threads:
        thread.join(timeout=20)
    return sorted(results)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_accepts_of_the_last_units_never_over_allocate():
    need = NeedFactory(quantity=5)
    matches = [make_match(need, offer_quantity=5, quantity=5) for _ in range(2)]

    assert _race(matches, quantity=5) == ["allocated", "need_over_allocated"]

    need.refresh_from_db()
    assert (need.quantity_open, need.status) == (0, Need.Status.COVERED)
    assert Match.objects.filter(allocated=True).count() == 1
    assert sorted(Offer.objects.values_list("quantity_open", flat=True)) == [0, 5]


@pytest.mark.django_db(transaction=True)
def test_concurrent_partial_accepts_take_only_what_is_left():
    need = NeedFactory(quantity=5)
    matches = [make_match(need, offer_quantity=10, quantity=3) for _ in range(3)]

    assert _race(matches, quantity=3) == ["allocated", "need_over_allocated", "need_over_allocated"]

    need.refresh_from_db()
    assert need.quantity_open == 2
    assert need.status == Need.Status.PARTIALLY_COVERED
