"""Typing errors in an offer's title: a word no need contains is read as the closest word
of the published needs' titles (``matching.typos``), so the offer still finds its need."""

from __future__ import annotations

import pytest
from django.utils import timezone

from matching import engine, retrieval, services
from tests.factories import NeedFactory, OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(thesaurus):
    return NeedFactory(
        title="Libri per la biblioteca scolastica",
        description="La biblioteca della scuola ha scaffali vuoti.",
        quantity=200,
    )


def relevance(offer) -> dict[int, float]:
    rows = retrieval.offer_candidates(offer_id=offer.pk, today=timezone.localdate())
    return {r.candidate.need_id: engine.text_relevance(r.candidate) for r in rows}


def test_a_typo_in_the_title_still_finds_the_need(books):
    NeedFactory(title="Frutta fresca per le merende", description="Mele e pere.", quantity=50)
    offer = OfferFactory(
        title="Libbri per ragazzi",
        description="Una libreria dona 200 volumi alla bibliotecca di una scuola.",
        quantity=200,
    )

    found = relevance(offer)

    assert set(found) == {books.pk}
    assert found[books.pk] >= engine.LIMITS.relevance_threshold
    [match] = services.match_offer(offer=offer, route=False)
    assert match.need_id == books.pk
    offer.refresh_from_db()
    assert offer.title == "Libbri per ragazzi"  # read differently, never rewritten


def test_without_the_correction_the_typo_finds_nothing(books):
    offer = OfferFactory(title="Libbri per ragazzi", description="Volumi usati.", quantity=10)
    # A similarity nothing reaches: the word stays as written.
    strict = engine.Limits(typo_similarity=1.0)

    rows = retrieval.offer_candidates(offer_id=offer.pk, today=timezone.localdate(), limits=strict)

    assert rows == []
    assert set(relevance(offer)) == {books.pk}


def test_a_word_like_no_catalogue_word_finds_nothing(books):
    offer = OfferFactory(title="Vino rosso per le feste", description="Cento bottiglie.")

    assert relevance(offer) == {}


def test_a_re_scored_match_keeps_the_corrected_reading(books):
    offer = OfferFactory(title="Libbri per ragazzi", description="Volumi usati.", quantity=10)
    [match] = services.match_offer(offer=offer, route=False)
    first = relevance(offer)[books.pk]

    [row] = retrieval.pair_candidates(match_ids=[match.pk], today=timezone.localdate())

    assert engine.text_relevance(row.candidate) == pytest.approx(first)


def test_the_need_side_search_reads_the_offer_the_same_way(books):
    offer = OfferFactory(title="Libbri per ragazzi", description="Libri usati.", quantity=10)
    from_offer = relevance(offer)[books.pk]

    rows = retrieval.need_candidates(need_id=books.pk, today=timezone.localdate())

    [row] = [r for r in rows if r.candidate.offer_id == offer.pk]
    assert engine.text_relevance(row.candidate) == pytest.approx(from_offer)
