"""The pure score: plain values in, a score and its breakdown out, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation

from matching import engine
from matching.engine import WEIGHTS, Candidate, Context, Limits
from matching.outreach_score import OutreachCandidate, outreach_score

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CTX = Context(today=date(2026, 11, 25), now=NOW, stale_after_days=60)

BASE = Candidate(
    offer_id=1,
    need_id=1,
    text_rank=0.6,
    title_similarity=0.3,
    offer_area_ids=frozenset({7}),
    need_area_id=7,
    need_neighbourhood_id=37,
    need_municipio_ids=frozenset({4}),
    offer_quantity_open=10,
    need_quantity_open=10,
    need_priority=2,
    need_reviewed_at=NOW - timedelta(days=3),
)


def total(**changes) -> float:
    return engine.score(replace(BASE, **changes), CTX).total


def part(name: str, **changes) -> engine.Part:
    result = engine.score(replace(BASE, **changes), CTX)
    return next(p for p in result.parts if p.key == name)


def test_the_eight_part_weights_add_up_to_one():
    assert sum(WEIGHTS.part_weights().values()) == pytest.approx(1.0)
    assert set(WEIGHTS.part_weights()) == set(engine.PART_KEYS)


def test_score_is_the_sum_of_the_contributions_and_stays_within_zero_and_one():
    result = engine.score(BASE, CTX)
    assert result.total == pytest.approx(sum(p.contribution for p in result.parts))
    assert 0 <= result.total <= 1
    best = replace(
        BASE,
        text_rank=1,
        title_similarity=1,
        offer_neighbourhood_ids=frozenset({37}),
        need_wanted_by=date(2027, 1, 1),
        need_priority=4,
        history_completed=5,
        chosen=True,
    )
    assert engine.score(best, CTX).total == 1.0


def test_more_text_relevance_scores_higher():
    assert total(text_rank=0.8) > total(text_rank=0.4) > total(text_rank=0.0)
    assert total(title_similarity=0.9) > total(title_similarity=0.1)


def test_words_of_the_offer_title_count_more_than_those_of_its_description():
    about_the_title = total(text_rank=0.5, title_rank=0.5)
    about_the_description = total(text_rank=0.5, title_rank=0.0)
    assert about_the_title > about_the_description


def test_area_fit_in_beats_unspecified_beats_other_areas():
    inside = total(offer_area_ids=frozenset({7}))
    unspecified = total(offer_area_ids=frozenset())
    other = total(offer_area_ids=frozenset({8}))
    assert inside > unspecified > other


def test_place_same_nil_beats_same_municipio_beats_city_wide_offer_beats_elsewhere():
    same_nil = total(offer_neighbourhood_ids=frozenset({37}), offer_municipio_ids=frozenset({4}))
    same_municipio = total(
        offer_neighbourhood_ids=frozenset({36}), offer_municipio_ids=frozenset({4})
    )
    city_wide = total(offer_neighbourhood_ids=frozenset(), offer_municipio_ids=frozenset())
    elsewhere = total(offer_neighbourhood_ids=frozenset({45}), offer_municipio_ids=frozenset({5}))
    assert same_nil > same_municipio > city_wide > elsewhere


def test_a_nil_straddling_two_municipi_is_in_both():
    p = part(
        "place",
        need_municipio_ids=frozenset({4, 5}),
        offer_municipio_ids=frozenset({5}),
        offer_neighbourhood_ids=frozenset(),
    )
    assert p.reason == "place_municipio"


def test_a_city_wide_need_is_served_from_anywhere():
    p = part(
        "place",
        need_neighbourhood_id=None,
        need_municipio_ids=frozenset(),
        offer_municipio_ids=frozenset({5}),
    )
    assert p.value == WEIGHTS.place_city_wide


def test_quantity_covering_fully_scores_best_and_a_tiny_fraction_low():
    assert part("quantity", offer_quantity_open=50).value == 1.0
    assert part("quantity", offer_quantity_open=10).value == 1.0
    half = part("quantity", offer_quantity_open=5)
    assert 0.6 < half.value < 0.8
    assert half.params == {"percent": 50}
    assert part("quantity", offer_quantity_open=1, need_quantity_open=1000).value < 0.05


def test_timing_in_time_best_no_date_neutral_late_decays():
    in_time = part("timing", need_wanted_by=date(2026, 12, 20))
    no_date = part("timing", need_wanted_by=None)
    late = part("timing", need_wanted_by=date(2026, 12, 20), offer_available_from=date(2027, 1, 19))
    very_late = part(
        "timing", need_wanted_by=date(2026, 12, 20), offer_available_from=date(2027, 6, 1)
    )
    assert in_time.value == 1.0
    assert no_date.value == WEIGHTS.timing_neutral
    assert late.params == {"days": 30}
    assert in_time.value > no_date.value > late.value > very_late.value == 0.0


def test_an_offer_available_from_a_past_date_is_available_today():
    assert (
        part(
            "timing", need_wanted_by=date(2026, 11, 30), offer_available_from=date(2026, 1, 1)
        ).value
        == 1.0
    )


def test_higher_priority_scores_higher():
    assert (
        total(need_priority=4)
        > total(need_priority=3)
        > total(need_priority=2)
        > total(need_priority=1)
    )


def test_stale_needs_score_lower_and_decay_to_zero():
    fresh = part("freshness", need_reviewed_at=NOW - timedelta(days=59))
    stale = part("freshness", need_reviewed_at=NOW - timedelta(days=90))
    ancient = part("freshness", need_reviewed_at=NOW - timedelta(days=400))
    never = part("freshness", need_reviewed_at=None)
    assert fresh.value == 1.0
    assert 0 < stale.value < 1
    assert ancient.value == never.value == 0.0


def test_history_with_the_department_raises_the_score_and_saturates():
    assert total(history_completed=1) > total(history_agreed=1) > total()
    assert part("history", history_completed=3).value == 1.0
    assert part("history", history_completed=30).value == 1.0


def test_the_chosen_need_gets_a_bonus_and_is_always_eligible():
    lonely = replace(BASE, text_rank=0, title_similarity=0, offer_area_ids=frozenset({8}))
    assert not engine.score(lonely, CTX).eligible
    chosen = engine.score(replace(lonely, chosen=True), CTX)
    assert chosen.eligible
    assert chosen.total == pytest.approx(
        engine.score(lonely, CTX).total + WEIGHTS.chosen_need_bonus
    )


def test_place_and_quantity_alone_never_make_a_pair_eligible():
    nothing_topical = replace(
        BASE,
        text_rank=0,
        title_similarity=0.1,
        offer_area_ids=frozenset({8}),
        offer_neighbourhood_ids=frozenset({37}),
    )
    assert not engine.score(nothing_topical, CTX).eligible
    assert engine.rank([nothing_topical], CTX) == []


def test_rank_keeps_the_best_above_the_minimum_in_a_stable_order():
    candidates = [replace(BASE, need_id=i, text_rank=i / 20) for i in range(1, 16)]
    weak = replace(
        BASE,
        need_id=99,
        text_rank=0.01,
        title_similarity=0,
        offer_area_ids=frozenset(),
        need_reviewed_at=None,
        need_neighbourhood_id=1,
        offer_municipio_ids=frozenset({9}),
    )
    ranked = engine.rank([*candidates, weak], CTX, limits=Limits(keep=5, min_score=0.35))
    assert [c.need_id for c, _ in ranked] == [15, 14, 13, 12, 11]
    ties = [replace(BASE, need_id=i) for i in (3, 1, 2)]
    assert [c.need_id for c, _ in engine.rank(ties, CTX)] == [3, 2, 1]


def test_breakdown_json_keeps_raw_value_weight_contribution_and_english_labels():
    data = engine.score(BASE, CTX).as_json()
    assert data["version"] == engine.SCORE_VERSION
    first = data["parts"][0]
    assert first["key"] == "text"
    assert first["label"] == "Text relevance"
    assert first["raw"] == {
        "rank": 0.6,
        "title_rank": 0.0,
        "trigram": 0.3,
        "overlap": 0.0,
        "idf": 0.0,
        "units": [0, 0, 0, 0],
    }
    assert first["contribution"] == pytest.approx(first["value"] * first["weight"], abs=1e-4)
    assert sum(p["contribution"] for p in data["parts"]) == pytest.approx(data["total"], abs=1e-3)


def test_explain_lists_translated_label_value_and_contribution():
    data = engine.score(BASE, CTX).as_json()
    with translation.override("en"):
        rows = engine.explain(data)
        details = engine.describe(data)
    assert [label for label, _v, _c in rows][:3] == ["Text relevance", "Intervention area", "Place"]
    assert all(isinstance(v, float) and isinstance(c, float) for _l, v, c in rows)
    by_key = {d["key"]: d for d in details}
    assert by_key["quantity"]["reason"] == "Covers all the open quantity"
    assert by_key["priority"]["reason"] == "Priority: normal"
    assert by_key["text"]["reason"] == "Shares words with the offer (title similarity 30%)"


def test_explain_of_a_match_without_breakdown_is_empty():
    assert engine.explain({}) == []
    assert engine.explain(None) == []


def test_outreach_prefers_organisations_that_chose_the_need_place_and_have_history():
    base = OutreachCandidate(
        organisation_id=1, need_neighbourhood_id=37, need_municipio_ids=frozenset({4})
    )
    same_nil, _ = outreach_score(replace(base, preferred_neighbourhood_ids=frozenset({37})))
    anywhere, _ = outreach_score(base)
    elsewhere, _ = outreach_score(replace(base, preferred_municipio_ids=frozenset({5})))
    with_history, reason = outreach_score(replace(base, history_completed=3))
    assert same_nil > anywhere > elsewhere
    assert with_history > anywhere
    with translation.override("en"):
        assert engine.describe_outreach(reason)[0] == "Interested in this intervention area"
