"""Inverse document frequency: of the offer's title words, covering a rare one counts for
more than covering one that many needs say (``engine.idf_coverage``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.utils import timezone

from matching import engine, retrieval
from matching.engine import Candidate
from tests.factories import NeedFactory, OfferFactory

pytestmark = pytest.mark.django_db


def test_idf_coverage_is_the_covered_share_of_the_title_weights():
    pair = Candidate(offer_id=1, need_id=2, offer_idf_covered=1.5, offer_idf_total=2.0)
    assert engine.idf_coverage(pair) == pytest.approx(0.75)
    assert engine.idf_coverage(Candidate(offer_id=1, need_id=2)) == 0.0
    plain = Candidate(offer_id=1, need_id=2, text_rank=0.4, title_rank=0.4)
    assert engine.text_relevance(replace(plain, offer_idf_covered=2.0, offer_idf_total=2.0)) > (
        engine.text_relevance(replace(plain, offer_idf_covered=0.5, offer_idf_total=2.0))
    )
    part = engine.text_part(replace(pair, text_rank=0.4), engine.WEIGHTS)
    assert part.raw is not None and part.raw["idf"] == pytest.approx(0.75)


def test_a_rare_shared_word_ranks_above_a_common_one(thesaurus):
    for subject in ("ceramica", "cucina", "falegnameria", "sartoria", "fotografia"):
        NeedFactory(title=f"Laboratorio di {subject}", description="Per i ragazzi del centro.")
    common = NeedFactory(title="Laboratorio di pittura", description="Per il centro giovani.")
    rare = NeedFactory(title="Microscopi per il centro giovani", description="Per le scienze.")
    offer = OfferFactory(title="Microscopi e laboratorio", description="Dieci microscopi ottici.")

    rows = retrieval.offer_candidates(offer_id=offer.pk, today=timezone.localdate())

    found = {r.candidate.need_id: r.candidate for r in rows}
    assert engine.idf_coverage(found[rare.pk]) > engine.idf_coverage(found[common.pk]) > 0
    assert engine.text_relevance(found[rare.pk]) > engine.text_relevance(found[common.pk])
    scored = engine.rank(found.values(), engine.Context(timezone.localdate(), timezone.now()))
    assert scored[0][0].need_id == rare.pk
