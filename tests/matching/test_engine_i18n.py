"""The score breakdown is stored in English msgids and shown in the reader's language."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.utils import translation

from matching import engine

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CTX = engine.Context(today=date(2026, 11, 25), now=NOW)
BREAKDOWN = engine.score(
    engine.Candidate(offer_id=1, need_id=2, text_rank=0.5, need_neighbourhood_id=None), CTX
).as_json()


def test_stored_labels_are_english_msgids_whatever_the_active_language():
    with translation.override("it"):
        data = engine.score(engine.Candidate(offer_id=1, need_id=2), CTX).as_json()
    assert data["parts"][0]["label"] == "Text relevance"


def test_explain_translates_labels_into_the_active_language():
    with translation.override("en"):
        english = [label for label, _v, _c in engine.explain(BREAKDOWN)]
    with translation.override("it"):
        italian = [label for label, _v, _c in engine.explain(BREAKDOWN)]
    assert english[0] == "Text relevance"
    assert len(italian) == len(english)
    # Every label has an Italian translation (the catalogue is compiled from locale/).
    assert all(i != e for i, e in zip(italian, english, strict=True))
