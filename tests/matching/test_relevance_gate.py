"""The relevance gate: only evidence about content (text relevance above the threshold, or
the need the stakeholder chose) makes a pair a match; the rest only ranks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation

from contactpoint.models import AuditEntry
from matching import engine, services
from matching.engine import WEIGHTS, Candidate, Context, Limits
from matching.models import IntakeItem, Match
from needs.models import ResourceKind
from tests.factories import OfferFactory

from .engine_catalogue import build_catalogue

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CTX = Context(today=date(2026, 11, 25), now=NOW, stale_after_days=60)

# "50 sedie per aule studio" against "Pacchi alimentari": no word in common, a little
# title trigram noise, and every other part as favourable as it gets.
CHAIRS_FOR_FOOD = Candidate(
    offer_id=1,
    need_id=2,
    text_rank=0.0,
    title_rank=0.0,
    title_similarity=0.08,
    offer_area_ids=frozenset({7}),
    need_area_id=7,
    offer_neighbourhood_ids=frozenset({37}),
    offer_municipio_ids=frozenset({4}),
    need_neighbourhood_id=37,
    need_municipio_ids=frozenset({4}),
    offer_quantity_open=500,
    need_quantity_open=50,
    need_priority=4,
    need_reviewed_at=NOW - timedelta(days=1),
    history_completed=5,
)


def test_place_quantity_timing_priority_freshness_history_and_area_never_pass_the_gate():
    result = engine.score(CHAIRS_FOR_FOOD, CTX)

    # Everything but the content is perfect: the total alone would clear the old minimum.
    assert result.total > engine.LIMITS.min_score
    assert not result.eligible
    assert engine.rank([CHAIRS_FOR_FOOD], CTX) == []


def test_text_relevance_at_the_threshold_passes_and_below_does_not():
    relevant = replace(CHAIRS_FOR_FOOD, text_rank=0.5, title_rank=0.5)
    assert engine.text_relevance(relevant) >= engine.LIMITS.relevance_threshold
    assert engine.score(relevant, CTX).eligible

    value = engine.text_relevance(relevant)
    strict = Limits(relevance_threshold=value + 0.01)
    assert not engine.score(relevant, CTX, WEIGHTS, strict).eligible
    assert engine.rank([relevant], CTX, limits=strict) == []


def test_a_chosen_need_passes_the_gate_whatever_the_text():
    chosen = replace(CHAIRS_FOR_FOOD, chosen=True, title_similarity=0.0)

    result = engine.score(chosen, CTX)

    assert engine.text_relevance(chosen) == 0.0
    assert result.eligible
    assert engine.rank([chosen], CTX) == [(chosen, result)]


def fifty_chairs(
    catalogue,
    title="50 sedie imbottite",
    description="Sedie in buono stato, da ritirare in magazzino.",
    *,
    naming_food=True,
    **fields,
):
    """Fifty chairs offered as goods; ``naming_food``: the offer names the food need's area
    and its neighbourhood (still no content in common)."""
    offer = OfferFactory(
        title=title,
        description=description,
        resource_kind=ResourceKind.GOODS,
        quantity=50,
        **fields,
    )
    if naming_food:
        offer.areas.add(catalogue.needs["food"].area)
        offer.neighbourhoods.add(catalogue.nils["rogoredo"])
    return offer


@pytest.mark.django_db
def test_fifty_chairs_never_match_food_parcels():
    catalogue = build_catalogue()
    food = catalogue.needs["food"]
    offer = fifty_chairs(
        catalogue,
        "50 sedie per aule studio",
        "Cinquanta sedie imbottite in buono stato, ritiro a Rogoredo.",
    )

    services.match_offer(offer=offer)

    assert not Match.objects.filter(offer=offer, need=food).exists()


@pytest.mark.django_db
def test_an_offer_that_fits_no_need_gets_no_match_and_waits_in_the_intake_list():
    catalogue = build_catalogue()
    offer = fifty_chairs(catalogue)

    assert services.match_offer(offer=offer) == []

    assert not Match.objects.filter(offer=offer).exists()
    item = IntakeItem.objects.get(offer=offer)
    assert item.reason == IntakeItem.Reason.NO_FITTING_NEED and item.is_open
    assert AuditEntry.objects.filter(
        action="matching.intake.listed", object_id=str(offer.pk)
    ).exists()
    # Matching again lists it once.
    services.match_offer(offer=offer)
    assert IntakeItem.objects.filter(offer=offer).count() == 1


@pytest.mark.django_db
def test_the_need_chosen_on_the_form_passes_the_gate_and_keeps_the_offer_off_the_intake_list():
    catalogue = build_catalogue()
    food = catalogue.needs["food"]
    offer = fifty_chairs(catalogue, naming_food=False, need=food)

    matches = services.match_offer(offer=offer, route=False)

    assert [m.need_id for m in matches] == [food.pk]
    parts = {p["key"] for p in matches[0].score_parts["parts"]}
    assert "chosen" in parts and matches[0].score_parts["eligible"]
    assert not IntakeItem.objects.filter(offer=offer).exists()


@pytest.mark.django_db
def test_rematching_expires_unworked_matches_that_no_longer_pass_the_gate(monkeypatch):
    from matching.models import Stage

    from .engine_catalogue import laptop_offer

    catalogue = build_catalogue()
    offer = laptop_offer(catalogue)
    services.match_offer(offer=offer, route=False)
    unworked = Match.objects.get(offer=offer, need=catalogue.needs["laptops"])
    worked = Match.objects.filter(offer=offer).exclude(pk=unworked.pk).first()
    worked.stage = Stage.CONTACTED  # a manager has contacted the stakeholder
    worked.save()

    # A stricter gate (or texts that changed): nothing passes on content any more.
    monkeypatch.setattr(engine, "LIMITS", replace(engine.LIMITS, relevance_threshold=1.01))
    with translation.override("en"):
        services.match_offer(offer=offer, route=False)

    unworked.refresh_from_db()
    worked.refresh_from_db()
    assert unworked.stage == Stage.EXPIRED
    assert worked.stage == Stage.CONTACTED  # left to the account manager
    event = unworked.events.last()
    assert event.to_stage == Stage.EXPIRED and "no longer show" in event.note
