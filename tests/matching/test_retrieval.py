"""Candidate retrieval: hard filters and facts in one SQL query, safe with any offer text."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching import retrieval, services
from matching.models import Stage
from needs.models import Need, ResourceKind
from tests.factories import (
    MatchFactory,
    MunicipioFactory,
    NeedFactory,
    NeighbourhoodFactory,
    OfferFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def rows_for(offer) -> dict[int, retrieval.Row]:
    return {
        row.candidate.need_id: row
        for row in retrieval.offer_candidates(offer_id=offer.pk, today=TODAY())
    }


@pytest.mark.parametrize(
    "text",
    [
        "Computer portatili: l'offerta dell'azienda (nuovi) | usati & !rotti <-> 'x'",
        "Backslash \\ e apici '' \" nel testo, e-mail info@impresa.it, versione 1.5:*",
        "il la di e per con",  # only stop words: no words to search with
        "",
    ],
)
def test_any_offer_text_is_safe_in_the_full_text_query(text):
    NeedFactory(title="Computer portatili per la scuola")
    offer = OfferFactory(title=text[:200] or "x", description=text)

    retrieval.offer_candidates(offer_id=offer.pk, today=TODAY())  # no error


def test_italian_stemming_and_accents_find_the_need():
    need = NeedFactory(title="Attività di città per l'università", description="Descrizione.")
    offer = OfferFactory(title="attivita citta universita", description="Niente altro.")

    row = rows_for(offer)[need.pk]

    assert row.qualifies
    assert row.candidate.text_rank > 0


def test_hard_filters_status_kind_quantity_and_date():
    words = {"title": "Biciclette per i ragazzi", "description": "Biciclette."}
    fitting = NeedFactory(**words)
    excluded = [
        NeedFactory(**words, status=Need.Status.DRAFT),
        NeedFactory(**words, status=Need.Status.CLOSED),
        NeedFactory(**words, status=Need.Status.EXPIRED),
        NeedFactory(**words, resource_kind=ResourceKind.FUNDING),
        NeedFactory(**words, quantity=5, quantity_open=0),
        NeedFactory(**words, wanted_by=TODAY() - timedelta(days=1)),
    ]
    partly = NeedFactory(**words, status=Need.Status.PARTIALLY_COVERED, quantity_open=3)
    due_today = NeedFactory(**words, wanted_by=TODAY())
    offer = OfferFactory(title="Biciclette", description="Biciclette usate.")

    found = rows_for(offer)

    assert {fitting.pk, partly.pk, due_today.pk} <= set(found)
    assert not set(found) & {n.pk for n in excluded}


def test_an_offer_that_is_not_open_retrieves_no_new_candidates():
    NeedFactory(title="Biciclette")
    closed = OfferFactory(title="Biciclette", status="withdrawn")
    ended = OfferFactory(
        title="Biciclette",
        available_from=TODAY() - timedelta(days=30),
        available_until=TODAY() - timedelta(days=1),
    )
    assert rows_for(closed) == {}
    assert rows_for(ended) == {}


def test_needs_of_the_offers_areas_come_in_even_without_shared_words():
    need = NeedFactory(title="Merende per il doposcuola")
    offer = OfferFactory(title="Volontariato aziendale", description="Dipendenti disponibili.")
    offer.areas.add(need.area)

    assert need.pk in rows_for(offer)


def test_facts_places_quantities_and_history_come_back_in_one_query():
    municipio = MunicipioFactory(number=4)
    nil = NeighbourhoodFactory(nil_id=37, municipio=municipio)
    nil.municipi.add(MunicipioFactory(number=5))  # a NIL straddling two Municipi
    need = NeedFactory(title="Libri per la biblioteca", neighbourhood=nil, quantity=30, priority=3)
    offer = OfferFactory(title="Libri", description="Libri per ragazzi.", quantity=12)
    offer.areas.add(need.area)
    offer.municipi.add(municipio)
    offer.neighbourhoods.add(nil)
    earlier = OfferFactory(organisation=offer.organisation)
    for stage in (Stage.COMPLETED, Stage.COMPLETED, Stage.AGREED, Stage.DECLINED_BY_CITY):
        MatchFactory(
            offer=earlier,
            need=NeedFactory(department=need.department, status=Need.Status.COVERED),
            stage=stage,
        )

    with CaptureQueriesContext(connection) as queries:
        row = rows_for(offer)[need.pk]

    assert len(queries.captured_queries) == 1
    c = row.candidate
    assert c.offer_area_ids == {need.area_id}
    assert c.need_municipio_ids == set(nil.municipi.values_list("pk", flat=True))
    assert len(c.need_municipio_ids) == 2
    assert c.offer_neighbourhood_ids == {nil.pk}
    assert municipio.pk in c.offer_municipio_ids
    assert (c.offer_quantity_open, c.need_quantity_open) == (12, 30)
    assert c.need_priority == 3
    assert (c.history_completed, c.history_agreed) == (2, 1)
    assert row.match_id is None and row.qualifies


def test_open_matches_of_the_offer_are_always_retrieved_to_be_rescored():
    unrelated = NeedFactory(title="Sedie per la sala civica")
    offer = OfferFactory(title="Biciclette", description="Biciclette usate.")
    match = MatchFactory(offer=offer, need=unrelated, stage=Stage.CONTACTED)

    row = rows_for(offer)[unrelated.pk]

    assert (row.match_id, row.match_stage, row.has_open_match) == (match.pk, Stage.CONTACTED, True)


def test_a_very_long_description_still_finds_needs_by_the_title_words():
    need = NeedFactory(title="Defibrillatori per le palestre scolastiche")
    filler = " ".join(f"parola{i}" for i in range(1500))
    offer = OfferFactory(title="Defibrillatori", description=filler[:5000])

    assert need.pk in rows_for(offer)


def test_the_reverse_direction_retrieves_open_offers_for_a_need():
    need = NeedFactory(title="Biciclette per i ragazzi")
    fitting = OfferFactory(title="Biciclette", description="Biciclette usate.")
    OfferFactory(title="Biciclette", description="Biciclette.", quantity_open=0, quantity=5)
    OfferFactory(title="Biciclette", description="Biciclette.", status="declined")

    rows = retrieval.need_candidates(need_id=need.pk, today=TODAY())

    assert [row.candidate.offer_id for row in rows] == [fitting.pk]


def test_rescoring_reads_the_facts_of_given_matches():
    match = MatchFactory(stage=Stage.ASSIGNED)
    Need.objects.filter(pk=match.need_id).update(status=Need.Status.CLOSED)

    (row,) = retrieval.pair_candidates(match_ids=[match.pk], today=TODAY())

    assert (row.candidate.offer_id, row.candidate.need_id) == (match.offer_id, match.need_id)
    assert not row.qualifies
    services.rescore_open_matches(matches=[match])
    match.refresh_from_db()
    assert match.stage == Stage.EXPIRED


def _search_words(offer, limits) -> set[str]:
    t = retrieval.tables()
    sql = retrieval.inline(
        f"""WITH need_stats AS MATERIALIZED ({retrieval._stats(t["need"])}),
        {retrieval._queries("offer", t["offer"], "need_stats", "x.id = %(offer_id)s", pairs=False)}
        SELECT lexeme FROM offer_kept""",
        limits,
    )
    return {row[0] for row in retrieval.fetchall(sql, {"offer_id": offer.pk})}


def test_words_common_in_a_large_catalogue_are_not_searched_for_but_rare_ones_are():
    for i in range(60):
        NeedFactory(title=f"Materiale per la scuola {i}", description="Scuola e quartiere.")
    for i in range(4):
        NeedFactory(title=f"Tappetini per la palestra {i}", description="Palestra.")
    defibrillators = NeedFactory(title="Defibrillatori per le palestre")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE needs_need")  # the statistics the search reads
    offer = OfferFactory(
        title="Defibrillatori per la palestra della scuola", description="Nel quartiere."
    )
    small_catalogue = retrieval.LIMITS
    large_catalogue = replace(small_catalogue, max_lexeme_rows=10, query_row_budget=20)

    assert _search_words(offer, small_catalogue) == {"defibrill", "palestr", "scuol", "quart"}
    assert _search_words(offer, large_catalogue) == {"defibrill", "palestr"}
    found = retrieval.offer_candidates(offer_id=offer.pk, today=TODAY(), limits=large_catalogue)
    best = max(found, key=lambda r: r.candidate.text_rank)
    assert best.candidate.need_id == defibrillators.pk


def test_an_offer_in_common_words_only_still_searches_its_rarest_ones():
    for i in range(60):
        NeedFactory(title=f"Materiale per la scuola {i}", description="Scuola e quartiere.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE needs_need")
    offer = OfferFactory(title="Materiale per la scuola", description="Per il quartiere.")
    limits = replace(retrieval.LIMITS, max_lexeme_rows=10, query_row_budget=20)

    assert len(_search_words(offer, limits)) == limits.min_query_lexemes
    assert retrieval.offer_candidates(offer_id=offer.pk, today=TODAY(), limits=limits)


def test_retrieval_runs_the_same_without_prepared_statements(settings):
    need = NeedFactory(title="Biciclette per i ragazzi")
    offer = OfferFactory(title="Biciclette", description="Biciclette usate.")
    prepared = rows_for(offer)
    settings.MATCHING_PREPARED_STATEMENTS = False

    assert rows_for(offer) == prepared
    assert need.pk in prepared
