"""Matching benchmark: ``make bench`` (or ``python -m benchmarks``).

Synthetic Milan-like data (the 88 NIL and 9 Municipi of ``needs/data``, the 7 intervention
areas, 5 resource kinds, Italian titles and descriptions built from word lists) at 1k, 10k
and 100k published needs, in a separate database (``contactpoint_bench`` on the same server,
embedded or ``DATABASE_URL``) so development data is never touched. The database is kept
between runs and only grown (or rebuilt when the data recipe changes).

At each scale it measures, in the same run:

(a) matching one new offer (``services.match_offer``: retrieval, scoring, writing the
    matches and the audit entry, commit; routing off), median and p95 over 200 offers,
    against a baseline: one plain SQL full-text query over the same table with the same
    filters (published, same kind, open quantity, not past its date), the same OR query of
    the offer's words, ``ORDER BY ts_rank_cd LIMIT 20``;
(b) re-matching 1,000 offers (``services.rematch_offers``) that already have their matches;
(c) queries per offer.

Figures go to ``var/bench/matching.json`` and a table is printed.
``BENCH_MATCHING_SCALES=1000,10000`` picks other scales.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks.common import summary, write_report
from benchmarks.database import (
    BENCH_DATABASE,
    bench_database,
    read_state,
    reset_database,
    write_state,
)
from benchmarks.matching_data import (
    SEED,
    World,
    clear_matches,
    create_history,
    create_offers,
    create_organisations,
    grow_needs,
    load_reference,
)

# Another name (``BENCH_DATABASE``) keeps benchmarks of several checkouts on one server apart.
# Change when the data recipe changes: the benchmark database is then rebuilt.
RECIPE = "matching-v2"  # v2: lemma columns
SCALES = (1_000, 10_000, 100_000)
TIMED_OFFERS = 200
ROUTED_OFFERS = 30
NAIVE_OFFERS = 20
REMATCH_OFFERS = 1_000
WARMUP = 10


# --- Measurements -----------------------------------------------------------------------


def baseline_sql() -> str:
    """The plain full-text query: the same table, filters and words as the engine's search
    (the offer's plain OR query of its own words and lemmas, without the thesaurus), every
    match ranked by ``ts_rank_cd``, top 20."""
    from matching import retrieval

    t = retrieval.tables()
    words = retrieval._queries(
        "offer", t["offer"], "need_stats", "x.id = %(offer_id)s", pairs=False
    )
    sql = f"""
        WITH need_stats AS MATERIALIZED ({retrieval._stats(t["need"])}),
        {words},
        k AS MATERIALIZED (SELECT resource_kind FROM {t["offer"]} WHERE id = %(offer_id)s)
        {_top_needs(t, sources="offer_q0 q, k", kind="k.resource_kind", query="q.q")}"""  # noqa: S608
    return retrieval.inline(sql)


def _top_needs(t: dict[str, str], *, sources: str, kind: str, query: str) -> str:
    """The end every baseline shares: the open needs of the offer's kind that ``query``
    finds, ranked by ``ts_rank_cd``, top 20."""
    from matching import retrieval

    return f"""
        SELECT n.id, ts_rank_cd(n.search_vector, {query}, 32) AS rank
        FROM {t["need"]} n, {sources}
        WHERE {retrieval.NEED_OK} AND n.resource_kind = {kind}
          AND n.search_vector @@ {query}
        ORDER BY rank DESC
        LIMIT 20"""  # noqa: S608


def naive_baseline_sql() -> str:
    """For context: the same query with every word of the offer (no statistics, no cap),
    what a first implementation would run."""
    from matching import retrieval

    t = retrieval.tables()
    sql = f"""
        WITH o AS MATERIALIZED (
            SELECT resource_kind,
                   (SELECT string_agg({retrieval._quoted("u.lexeme")}, ' | ')::tsquery
                    FROM unnest(x.search_vector) AS u) AS q
            FROM {t["offer"]} x WHERE x.id = %(offer_id)s
        )
        {_top_needs(t, sources="o", kind="o.resource_kind", query="o.q")}"""  # noqa: S608
    return retrieval.inline(sql)


def and_baseline_sql() -> str:
    """The cheapest plain lookup, for reference: all the words of the offer's title (AND)."""
    from contactpoint.search import SEARCH_CONFIG
    from matching import retrieval

    t = retrieval.tables()
    sql = f"""
        WITH o AS MATERIALIZED (
            SELECT resource_kind, plainto_tsquery('{SEARCH_CONFIG}', title) AS q
            FROM {t["offer"]} WHERE id = %(offer_id)s
        )
        {_top_needs(t, sources="o", kind="o.resource_kind", query="o.q")}"""  # noqa: S608
    return retrieval.inline(sql)


def _baseline_params(offer_id: int) -> dict[str, Any]:
    from matching import retrieval
    from matching.engine import LIMITS

    return retrieval.params(timezone.localdate(), LIMITS, offer_id=offer_id)


def time_baseline(offer_id: int, sql: str) -> float:
    from matching import retrieval

    params = _baseline_params(offer_id)
    start = time.perf_counter()
    retrieval.fetchall(sql, params)  # prepared, like the engine's own query
    return (time.perf_counter() - start) * 1000


def time_match(offer: Any, *, route: bool = False) -> float:
    from matching import services

    start = time.perf_counter()
    services.match_offer(offer=offer, route=route)
    return (time.perf_counter() - start) * 1000


def queries_for(offer: Any, *, route: bool) -> int:
    from matching import services

    with CaptureQueriesContext(connection) as ctx:
        services.match_offer(offer=offer, route=route)
    return len(ctx.captured_queries)


def explain_retrieval(offer_id: int) -> str:
    from matching import retrieval
    from matching.engine import LIMITS

    params = retrieval.params(timezone.localdate(), LIMITS, offer_id=offer_id)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + retrieval.offer_sql(), params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure_scale(world: World, scale: int, offers: list[Any], past: list[Any]) -> dict:
    from matching import services
    from matching.models import Match

    clear_matches()
    create_history(world, past)
    with connection.cursor() as cursor:
        # The steady state autovacuum keeps: statistics fresh, GIN pending lists merged.
        cursor.execute("VACUUM ANALYZE")
    sql, and_sql = baseline_sql(), and_baseline_sql()
    timed = offers[:TIMED_OFFERS]
    for offer in offers[TIMED_OFFERS : TIMED_OFFERS + WARMUP]:  # warm caches and plans
        time_baseline(offer.pk, sql)
        time_baseline(offer.pk, and_sql)
        services.match_offer(offer=offer, route=False)

    # Interleaved, so a busy machine slows all three alike.
    baseline, and_baseline, engine = [], [], []
    for offer in timed:
        baseline.append(time_baseline(offer.pk, sql))
        and_baseline.append(time_baseline(offer.pk, and_sql))
        engine.append(time_match(offer))
    naive_sql = naive_baseline_sql()
    naive = [time_baseline(offer.pk, naive_sql) for offer in timed[:NAIVE_OFFERS]]
    found = quality(timed)
    queries_new = queries_for(offers[TIMED_OFFERS + WARMUP], route=False)
    queries_rematch = queries_for(offers[0], route=False)

    routed_offers = offers[TIMED_OFFERS + WARMUP + 1 : TIMED_OFFERS + WARMUP + 1 + ROUTED_OFFERS]
    routed = [time_match(offer, route=True) for offer in routed_offers]
    queries_routed = queries_for(offers[-1], route=True)

    rematch_ids = [o.pk for o in offers[:REMATCH_OFFERS]]
    start = time.perf_counter()
    services.rematch_offers(offer_ids=rematch_ids, route=False)  # most are new here
    first_pass_s = time.perf_counter() - start
    start = time.perf_counter()
    services.rematch_offers(offer_ids=rematch_ids, route=False)  # all re-matches
    rematch_s = time.perf_counter() - start

    b, e, a = summary(baseline), summary(engine), summary(and_baseline)
    return {
        "scale": scale,
        "needs": scale,
        "baseline": b,
        "match_offer": e,
        "ratio_median": _ratio(e["median_ms"], b["median_ms"]),
        "ratio_p95": _ratio(e["p95_ms"], b["p95_ms"]),
        "and_baseline": a,
        "ratio_to_and_baseline_median": _ratio(e["median_ms"], a["median_ms"]),
        "ratio_to_and_baseline_p95": _ratio(e["p95_ms"], a["p95_ms"]),
        "match_offer_with_routing": summary(routed),
        "rematch_1000_offers_s": round(rematch_s, 2),
        "first_match_1000_offers_s": round(first_pass_s, 2),
        "queries_per_offer": queries_new,
        "queries_per_rematch": queries_rematch,
        "queries_per_offer_with_routing": queries_routed,
        "naive_baseline": summary(naive),
        "quality": found,
        "matches_per_offer": round(Match.objects.filter(offer__in=timed).count() / len(timed), 1),
        "candidate_pool_mean": round(statistics.mean(_pool_size(o.pk, sql) for o in timed[:20]), 1),
    }


def _offer_item(title: str) -> str:
    """The word-list item an offer was generated from (see ``create_offers``)."""
    item = title.lower()
    for prefix in ("donazione di ", "offriamo "):
        item = item.removeprefix(prefix)
    return item.removesuffix(" per la città")


def quality(offers: list[Any]) -> dict[str, float]:
    """How often the best match (and one of the best five) mentions what the offer is
    about: a rough check that searching fewer, rarer words keeps finding the right needs."""
    from matching.models import Match

    top1 = top5 = 0
    for offer in offers:
        item = _offer_item(offer.title)
        texts = [
            f"{title} {description}".lower()
            for title, description in Match.objects.filter(offer=offer)
            .order_by("-score", "-id")
            .values_list("need__title", "need__description")[:5]
        ]
        top1 += bool(texts) and item in texts[0]
        top5 += any(item in text for text in texts)
    return {
        "best_match_mentions_offer_item": round(top1 / len(offers), 3),
        "one_of_best_5_mentions_offer_item": round(top5 / len(offers), 3),
    }


def _ratio(measured: float, baseline: float) -> float | None:
    return round(measured / baseline, 2) if baseline else None


def _pool_size(offer_id: int, sql: str) -> int:
    """How many needs the offer's OR query matches after the filters (the ranked set)."""
    count_sql = (
        sql.replace("SELECT n.id, ts_rank_cd(n.search_vector, q.q, 32) AS rank", "SELECT count(*)")
        .replace("ORDER BY rank DESC", "")
        .replace("LIMIT 20", "")
    )
    with connection.cursor() as cursor:
        cursor.execute(count_sql, _baseline_params(offer_id))
        return cursor.fetchone()[0]


def print_table(results: list[dict]) -> None:
    header = (
        f"{'needs':>8} {'OR baseline med/p95':>20} {'AND baseline med/p95':>21} "
        f"{'match med/p95 ms':>18} {'ratio OR':>10} {'ratio AND':>10} {'routed med':>10} "
        f"{'rematch 1k s':>12} {'queries':>7} {'naive med':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        b, a, e = r["baseline"], r["and_baseline"], r["match_offer"]
        print(
            f"{r['needs']:>8} {b['median_ms']:>9.2f}/{b['p95_ms']:<10.2f}"
            f"{a['median_ms']:>10.2f}/{a['p95_ms']:<10.2f}"
            f"{e['median_ms']:>8.2f}/{e['p95_ms']:<9.2f} "
            f"{r['ratio_median']:>4}/{r['ratio_p95']:<5} "
            f"{r['ratio_to_and_baseline_median']:>4}/{r['ratio_to_and_baseline_p95']:<5} "
            f"{r['match_offer_with_routing']['median_ms']:>10.2f} "
            f"{r['rematch_1000_offers_s']:>12.2f} {r['queries_per_offer']:>7} "
            f"{r['naive_baseline']['median_ms']:>9.1f}"
        )


def _scales() -> list[int]:
    """``BENCH_MATCHING_SCALES`` (comma-separated) replaces the default scales;
    ``BENCH_SCALE=1000000`` adds a point (1M needs: goal p95 under 100 ms)."""
    raw = os.environ.get("BENCH_MATCHING_SCALES", "")
    scales = [int(x) for x in raw.split(",") if x.strip()] if raw else list(SCALES)
    extra = os.environ.get("BENCH_SCALE", "").strip()
    if extra:
        scales.append(int(extra))
    return sorted(set(scales))


def prepare(scale: int) -> tuple[World, list[Any], list[Any]]:
    """Build the scale's database if its recipe or size is not the expected one."""
    from needs.models import Need
    from stakeholders.models import Offer

    rng = random.Random(SEED + scale)
    state = read_state()
    if state.get("recipe") != RECIPE or Need.objects.count() > scale:
        print(f"matching: building {connection.settings_dict['NAME']} ({RECIPE})")
        reset_database()
        with transaction.atomic():
            load_reference(rng)
            world = World(rng)
            orgs = create_organisations(world)
            create_offers(world, orgs, REMATCH_OFFERS)
            create_offers(world, orgs, 200, status="completed")
        write_state(recipe=RECIPE)
    # The thesaurus the engine reads (emptied with the tables; loading is idempotent).
    from needs.thesaurus import load_thesaurus

    load_thesaurus()
    world = World(rng)
    started = time.perf_counter()
    added = grow_needs(world, scale)
    if added:
        print(f"matching: +{added} needs in {time.perf_counter() - started:.1f} s")
    offers = list(Offer.objects.filter(status="submitted").order_by("pk"))
    past = list(Offer.objects.filter(status="completed").order_by("pk"))
    return world, offers, past


def run() -> dict:
    """Build (or reuse) one benchmark database per scale, measure, write the report."""
    results = []
    started = time.perf_counter()
    debug = settings.DEBUG
    settings.DEBUG = False  # no query log overhead in the timings
    try:
        for scale in sorted(_scales()):
            with bench_database(f"{BENCH_DATABASE}_{scale}"):
                world, offers, past = prepare(scale)
                results.append(measure_scale(world, scale, offers, past))
                print_table(results[-1:])
                if os.environ.get("BENCH_MATCHING_EXPLAIN"):
                    print(explain_retrieval(offers[0].pk))
    finally:
        settings.DEBUG = debug
    print_table(results)
    top = results[-1] if results else {}
    figures = {
        "goal": "ratio under 2 and p95 under 50 ms at 100k needs",
        "baseline_definition": (
            "one SQL full-text query over needs_need with the same filters (published or "
            "partly covered, same resource kind, open quantity, not past its date) and the "
            "same OR query of the offer's words as the engine, every match ranked by "
            "ts_rank_cd, LIMIT 20"
        ),
        "naive_baseline_definition": (
            "for context, over 20 offers: the same with every word of the offer in the OR "
            "query (no statistics, no cap), what a first implementation would run"
        ),
        "and_baseline_definition": (
            "the same with plainto_tsquery(offer title): all the title's words must occur "
            "(the cheapest plain lookup, for reference)"
        ),
        "measured_definition": (
            "services.match_offer for a new offer: one retrieval query, Python scoring, "
            "upsert of the matches, timeline events and audit entry, commit; routing off "
            "(match_offer_with_routing: the same with matching.routing, no managers)"
        ),
        "scales": results,
        "baseline": top.get("baseline"),
        "measured": top.get("match_offer"),
        "ratio": top.get("ratio_median"),
        "ratio_p95": top.get("ratio_p95"),
        "scale": top.get("needs"),
        "total_seconds": round(time.perf_counter() - started, 1),
        # Other work on the machine slows baseline and engine alike (they are interleaved),
        # but widens the spread: the load average at the end of the run, for the record.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    write_report("matching", figures)
    return figures
