"""Concept overlap: a pair is routed only when the two titles are about the same things,
counted as concepts (a thesaurus group is one concept, generic words are none), so an offer
that shares a word with a need but is about something else reaches nobody."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.utils import timezone

from matching import engine, retrieval, routing, services
from matching.engine import Candidate
from matching.models import IntakeItem, Match
from tests.factories import NeedFactory, OfferFactory
from tests.matching.workflow_support import make_manager

from .engine_catalogue import NOTEBOOKS

pytestmark = pytest.mark.django_db


def test_overlap_is_the_geometric_mean_of_the_two_covered_shares():
    pair = Candidate(
        offer_id=1,
        need_id=2,
        offer_title_units=3,
        offer_units_covered=1,
        need_title_units=4,
        need_units_covered=1,
    )
    assert engine.concept_overlap(pair) == pytest.approx((1 / 3 * 1 / 4) ** 0.5)
    both = replace(pair, offer_units_covered=3, need_units_covered=4)
    assert engine.concept_overlap(both) == pytest.approx(1.0)
    assert engine.concept_overlap(replace(pair, need_units_covered=0)) == 0.0
    assert engine.concept_overlap(Candidate(offer_id=1, need_id=2)) == 0.0


def test_overlap_counts_in_the_text_relevance_and_is_kept_in_the_breakdown():
    base = Candidate(offer_id=1, need_id=2, text_rank=0.5, title_rank=0.5)
    full = replace(
        base, offer_title_units=2, offer_units_covered=2, need_title_units=2, need_units_covered=2
    )
    ctx = engine.Context(today=timezone.localdate(), now=timezone.now())
    assert engine.text_relevance(full) - engine.text_relevance(base) == pytest.approx(
        engine.WEIGHTS.text_overlap_share
    )
    data = engine.score(full, ctx).as_json()
    assert data["overlap"] == 1.0
    assert data["parts"][0]["raw"]["units"] == [2, 2, 2, 2]


def test_a_pair_below_the_minimum_overlap_is_not_routed_unless_the_need_was_chosen():
    scored = [(0.8, 0.6), (0.79, 0.6), (0.78, None)]
    close = routing.routable(
        scored, margin=0.05, relevance_ratio=0.9, overlaps=[0.5, 0.2, 0.0], min_overlap=0.4
    )
    assert close == [True, False, True]
    # Without overlaps (older breakdowns) only score and relevance count.
    assert routing.routable(scored, margin=0.05, relevance_ratio=0.9) == [True, True, True]


@pytest.fixture
def catalogue(thesaurus):
    printers = NeedFactory(
        title="Stampanti 3D per il laboratorio scolastico",
        description="Due stampanti 3D con filamenti per il laboratorio di tecnologia.",
    )
    pcs = NeedFactory(
        title="40 PC per alunni che studiano da casa",
        description="Gli alunni seguono le lezioni da casa e non hanno un computer.",
        quantity=40,
    )
    make_manager(areas=[printers.area, pcs.area], capacity=100)
    return {"printers": printers, "pcs": pcs}


def overlaps(offer) -> dict[int, float]:
    rows = retrieval.offer_candidates(offer_id=offer.pk, today=timezone.localdate())
    return {r.candidate.need_id: engine.concept_overlap(r.candidate) for r in rows}


def test_a_synonym_covers_the_concept_of_the_other_title(catalogue):
    offer = OfferFactory(**NOTEBOOKS)
    found = overlaps(offer)
    # "notebook" and "PC" are one concept; "ricondizionati" is not in the need's title,
    # "alunni" and "casa" are not in the offer: half of each side at least.
    assert found[catalogue["pcs"].pk] >= engine.LIMITS.route_min_overlap

    services.match_offer(offer=offer)

    match = Match.objects.get(offer=offer, need=catalogue["pcs"])
    assert not match.other_candidate
    assert match.score_parts["overlap"] >= engine.LIMITS.route_min_overlap


def test_office_printers_share_a_word_with_the_3d_printers_but_reach_nobody(catalogue):
    """The pair stays another candidate, and the offer is listed as fitting no need, for a
    person to answer (or to promote the candidate)."""
    offer = OfferFactory(
        title="Stampanti multifunzione per ufficio",
        description="Dismettiamo 15 stampanti laser multifunzione da ufficio.",
        quantity=15,
    )
    found = overlaps(offer)
    assert 0 < found[catalogue["printers"].pk] < engine.LIMITS.route_min_overlap

    services.match_offer(offer=offer)

    assert not Match.objects.open().filter(offer=offer, other_candidate=False).exists()
    assert not Match.objects.filter(offer=offer, manager__isnull=False).exists()
    assert Match.objects.open().filter(offer=offer, other_candidate=True).exists()
    item = IntakeItem.objects.get(offer=offer)
    assert item.is_open and item.reason == IntakeItem.Reason.NO_FITTING_NEED


def test_a_routed_match_takes_the_offer_off_the_intake_list(catalogue):
    offer = OfferFactory(title="Stampanti 3D per il laboratorio", description="Due stampanti 3D.")

    services.match_offer(offer=offer)

    assert Match.objects.open().filter(offer=offer, other_candidate=False).exists()
    assert not IntakeItem.objects.filter(offer=offer).exists()
