"""Matching quality benchmark: ``make bench`` (or ``python -m benchmarks``).

Loads the labelled evaluation set of ``benchmarks/data/matching_quality/`` (a catalogue of
needs, and offers each labelled with the needs it fits, its case kind and its half), into a
database of its own (``contactpoint_bench_quality``, or ``$BENCH_DATABASE_quality``;
emptied at every run), then submits
the offers one by one to the real engine (``services.match_offer`` with routing on, one
account manager expert in every area) and compares what it did with the labels:

* precision at 1: the offer's best match is a relevant need (offers with a relevant need);
* MRR: mean of 1 / rank of the first relevant need among the offer's matches, best first
  (0 when none is found);
* irrelevant routed: the share of routed matches (assigned and notified, not the "other
  candidates") whose need is not relevant to the offer;
* unfit routed: how many offers that fit no need got a routed match.

The figures are given overall, per case kind and for each half of the set: knobs are tuned
on ``tune``, ``holdout`` says how they generalise. ``var/bench/matching_quality.json`` also
lists every offer the engine got wrong, to read. ``BENCH_QUALITY_DATA`` points at another
folder of the same format.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from benchmarks.common import write_report
from benchmarks.database import BENCH_DATABASE, bench_database
from benchmarks.matching_words import UNITS

DATA = Path(__file__).resolve().parent / "data" / "matching_quality"
DATABASE = f"{BENCH_DATABASE}_quality"
GOALS = {
    "precision_at_1": (">=", 0.90),
    "mrr": (">=", 0.93),
    "irrelevant_routed_share": ("<=", 0.05),
    "unfit_routed": ("<=", 0),
}


def load_set(folder: Path = DATA) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The needs and the offers of the set, checked for the references between them."""
    needs = json.loads((folder / "needs.json").read_text(encoding="utf-8"))
    offers = json.loads((folder / "offers.json").read_text(encoding="utf-8"))
    keys = {need["key"] for need in needs}
    for offer in offers:
        unknown = set(offer.get("relevant") or []) - keys
        if offer.get("chosen_need"):
            unknown |= {offer["chosen_need"]} - keys
        if unknown:
            raise ValueError(f"offer {offer['key']} names unknown needs {sorted(unknown)}")
        if offer.get("half") not in ("tune", "holdout"):
            raise ValueError(f"offer {offer['key']}: half must be tune or holdout")
    return needs, offers


def _lemma_fields(model: Any, lemmas: Any) -> dict[str, str]:
    """The stored lemma columns of a need or an offer, as its services write them
    (``needs.language``), for the models that have them."""
    names = {f.name for f in model._meta.get_fields()}
    return {
        name: getattr(lemmas, name)
        for name in ("title_lemmas", "text_lemmas")
        if name in names and hasattr(lemmas, name)
    }


def build_catalogue(needs: list[dict[str, Any]]) -> dict[str, int]:
    """Reference data, the needs (published, reviewed today) and the account manager;
    returns the database id of each need key. Saved one by one, as the departments do."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from contactpoint import roles
    from matching.models import AccountManagerProfile
    from needs import language
    from needs.models import Department, InterventionArea, Need, Neighbourhood
    from needs.reference import load_reference_data
    from needs.thesaurus import load_thesaurus

    load_reference_data()
    load_thesaurus()
    areas = {a.slug: a for a in InterventionArea.objects.all()}
    departments = {d.slug: d for d in Department.objects.all()}
    nils = {n.official_name.upper(): n for n in Neighbourhood.objects.all()}
    now = timezone.now()
    ids = {}
    for spec in needs:
        nil = nils.get((spec.get("nil") or "").upper()) if spec.get("nil") else None
        if spec.get("nil") and nil is None:
            raise ValueError(f"need {spec['key']}: unknown NIL {spec['nil']!r}")
        quantity = int(spec.get("quantity") or 1)
        department = departments.get(spec.get("department") or "") or next(
            iter(departments.values())
        )
        lemmas = language.need_lemmas(title=spec["title"], description=spec["description"])
        need = Need.objects.create(
            **_lemma_fields(Need, lemmas),
            title=spec["title"],
            description=spec["description"],
            department=department,
            area=areas[spec["area"]],
            resource_kind=spec["resource_kind"],
            quantity=quantity,
            quantity_open=quantity,
            unit=UNITS.get(spec["resource_kind"], "pezzi"),
            neighbourhood=nil,
            status=Need.Status.PUBLISHED,
            published_at=now,
            last_reviewed_at=now,
        )
        ids[spec["key"]] = need.pk
    manager = get_user_model().objects.create_user(
        username="quality-manager", email="quality-manager@example.org", password=None
    )
    manager.groups.add(Group.objects.get(name=roles.ACCOUNT_MANAGER))
    profile = AccountManagerProfile.objects.create(user=manager, capacity=100_000)
    profile.areas.set(areas.values())
    return ids


def submit_offers(offers: list[dict[str, Any]], need_ids: dict[str, int]) -> dict[str, int]:
    """Create the offers as the public form stores them, then match each one with the real
    engine, in the order of the file."""
    from matching import services
    from stakeholders.models import Offer

    ids = _create_offers(offers, need_ids)
    for offer in Offer.objects.filter(pk__in=ids.values()).order_by("pk"):
        services.match_offer(offer=offer)
    return ids


def evaluate(
    offers: list[dict[str, Any]], offer_ids: dict[str, int], need_ids: dict[str, int]
) -> dict[str, Any]:
    """Compare the engine's matches with the labels; figures per half and per kind."""
    from matching.models import Match

    need_keys = {pk: key for key, pk in need_ids.items()}
    ranked: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for offer_id, need_id, other in (
        Match.objects.open()
        .filter(offer_id__in=offer_ids.values())
        .order_by("offer_id", "-score", "-id")
        .values_list("offer_id", "need_id", "other_candidate")
    ):
        ranked[offer_id].append((need_keys[need_id], not other))

    rows = []
    for spec in offers:
        relevant = set(spec.get("relevant") or [])
        matches = ranked.get(offer_ids[spec["key"]], [])
        routed = [key for key, is_routed in matches if is_routed]
        first = next((i for i, (key, _r) in enumerate(matches, 1) if key in relevant), None)
        rows.append(
            {
                "key": spec["key"],
                "kind": spec["kind"],
                "half": spec["half"],
                "fits": bool(relevant),
                "hit_at_1": bool(matches) and matches[0][0] in relevant,
                "reciprocal_rank": 1 / first if first else 0.0,
                "routed": len(routed),
                "routed_irrelevant": sum(1 for key in routed if key not in relevant),
                "ranking": [key for key, _r in matches],
                "routed_needs": routed,
                "relevant": sorted(relevant),
            }
        )

    def figures(subset: list[dict[str, Any]]) -> dict[str, Any]:
        fitting = [r for r in subset if r["fits"]]
        routed = sum(r["routed"] for r in subset)
        irrelevant = sum(r["routed_irrelevant"] for r in subset)
        return {
            "offers": len(subset),
            "offers_fitting_a_need": len(fitting),
            # None for a subset without fitting offers (the unfit kind): nothing to rank.
            "precision_at_1": _mean([r["hit_at_1"] for r in fitting]),
            "mrr": _mean([r["reciprocal_rank"] for r in fitting]),
            "routed_matches": routed,
            "irrelevant_routed": irrelevant,
            "irrelevant_routed_share": round(irrelevant / routed, 4) if routed else 0.0,
            "unfit_offers": len(subset) - len(fitting),
            "unfit_routed": sum(1 for r in subset if not r["fits"] and r["routed"]),
            # Fitting offers none of whose matches was routed: they wait in the intake
            # list ("no fitting need") with their other candidates, for a person.
            "fitting_offers_not_routed": sum(1 for r in fitting if not r["routed"]),
            "offers_without_match": sum(1 for r in subset if not r["ranking"]),
        }

    def by_kind(subset: list[dict[str, Any]]) -> dict[str, Any]:
        kinds = sorted({r["kind"] for r in subset})
        return {kind: figures([r for r in subset if r["kind"] == kind]) for kind in kinds}

    result: dict[str, Any] = {}
    for half in ("tune", "holdout"):
        subset = [r for r in rows if r["half"] == half]
        result[half] = {**figures(subset), "per_kind": by_kind(subset)}
        result[half]["goals_met"] = goals_met(result[half])
    result["all"] = {**figures(rows), "per_kind": by_kind(rows)}
    result["all"]["goals_met"] = goals_met(result["all"])
    result["misses"] = [
        {k: r[k] for k in ("key", "kind", "half", "relevant", "ranking", "routed_needs")}
        for r in rows
        if (r["fits"] and not r["hit_at_1"]) or r["routed_irrelevant"]
    ]
    return result


def goals_met(figures: dict[str, Any]) -> dict[str, bool]:
    met = {}
    for name, (op, target) in GOALS.items():
        value = figures[name]
        if value is None:
            continue
        met[name] = value >= target if op == ">=" else value <= target
    return met


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(result: dict[str, Any]) -> None:
    header = (
        f"{'half':<8} {'kind':<9} {'offers':>6} {'P@1':>6} {'MRR':>6} "
        f"{'routed':>6} {'irrel.':>7} {'unfit routed':>12}"
    )
    print(header)
    print("-" * len(header))
    for half in ("tune", "holdout", "all"):
        block = result[half]
        for kind, f in [("ALL", block), *block["per_kind"].items()]:
            print(
                f"{half:<8} {kind:<9} {f['offers']:>6} {_fmt(f['precision_at_1']):>6} "
                f"{_fmt(f['mrr']):>6} {f['routed_matches']:>6} "
                f"{f['irrelevant_routed_share']:>7.1%} {f['unfit_routed']:>12}"
            )


def _create_offers(offers: list[dict[str, Any]], need_ids: dict[str, int]) -> dict[str, int]:
    """The offers, with the lemmas their services store, not matched yet."""
    from needs import language
    from stakeholders.models import Offer, Organisation

    ids = {}
    for index, spec in enumerate(offers):
        organisation = Organisation.objects.create(
            kind=Organisation.Kind.choices[0][0], legal_name=f"Organizzazione {spec['key']}"
        )
        quantity = int(spec.get("quantity") or 1)
        chosen = spec.get("chosen_need")
        lemmas = language.offer_lemmas(title=spec["title"], description=spec["description"])
        offer = Offer.objects.create(
            **_lemma_fields(Offer, lemmas),
            organisation=organisation,
            resource_kind=spec["resource_kind"],
            title=spec["title"],
            description=spec["description"],
            quantity=quantity,
            quantity_open=quantity,
            unit=UNITS.get(spec["resource_kind"], "pezzi"),
            language=spec.get("language") or "it",
            need_id=need_ids[chosen] if chosen else None,
            submitted_email=f"offer{index}@example.org",
        )
        ids[spec["key"]] = offer.pk
    return ids


def _tune_point(
    offers: list[dict[str, Any]],
    ranked: dict[str, list[tuple[str, float, float | None, float]]],
    *,
    cap: int,
    margin: float,
    ratio: float,
    min_overlap: float,
) -> dict[str, Any]:
    """The tune half's figures for one setting, routing as ``routing.select_routed`` does
    for a new offer."""
    from matching import routing

    hits, rr, routed, irrelevant, unfit_routed, fitting, not_routed = 0, 0.0, 0, 0, 0, 0, 0
    for spec in offers:
        relevant = set(spec.get("relevant") or [])
        ranking = ranked[spec["key"]]
        close = routing.routable(
            [(score, relevance) for _k, score, relevance, _o in ranking],
            margin=margin,
            relevance_ratio=ratio,
            overlaps=[overlap for *_rest, overlap in ranking],
            min_overlap=min_overlap,
        )
        sent = [item[0] for item, ok in zip(ranking, close, strict=True) if ok][:cap]
        routed += len(sent)
        irrelevant += sum(1 for k in sent if k not in relevant)
        if relevant:
            fitting += 1
            not_routed += not sent
            hits += bool(ranking) and ranking[0][0] in relevant
            first = next((i for i, item in enumerate(ranking, 1) if item[0] in relevant), None)
            rr += 1 / first if first else 0.0
        elif sent:
            unfit_routed += 1
    return {
        "route_relevance_ratio": ratio,
        "route_min_overlap": min_overlap,
        "precision_at_1": round(hits / fitting, 4),
        "mrr": round(rr / fitting, 4),
        "irrelevant_routed_share": round(irrelevant / routed, 4) if routed else 0.0,
        "routed_matches": routed,
        "unfit_routed": unfit_routed,
        "fitting_offers_not_routed": not_routed,
    }


def tune(
    thresholds: tuple[float, ...] = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5),
    margins: tuple[float, ...] = (0.0, 0.02, 0.05, 0.1, 0.15),
    ratios: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9),
    overlap_shares: tuple[float, ...] = (0.0, 0.1, 0.3, 0.5),
    min_overlaps: tuple[float, ...] = (0.0, 0.3, 0.4, 0.5),
) -> list[dict[str, Any]]:
    """Try the gate and routing knobs on the ``tune`` half only (``python -m
    benchmarks``, below), with the share of the concept overlap in the text relevance
    (``Weights.text_overlap_share``) and the overlap routing asks for
    (``Limits.route_min_overlap``): the candidates are retrieved once, then scored,
    gated and routed in memory for each pair of values, as ``services`` and ``routing``
    would for a new offer. The ``holdout`` half is never read here.

    ``BENCH_ONLY=benchmarks.matching_quality.tune python -m benchmarks``"""
    from dataclasses import replace

    from matching import engine, retrieval, services

    needs, offers = load_set(Path(os.environ.get("BENCH_QUALITY_DATA") or DATA))
    offers = [o for o in offers if o["half"] == "tune"]
    cap = settings.MATCH_ROUTED_PER_OFFER
    with bench_database(DATABASE):
        call_command("flush", interactive=False, verbosity=0)
        need_ids = build_catalogue(needs)
        offer_ids = _create_offers(offers, need_ids)
        ctx = services.context()
        rows = {
            key: [r.candidate for r in retrieval.offer_candidates(offer_id=pk, today=ctx.today)]
            for key, pk in offer_ids.items()
        }
    need_keys = {pk: key for key, pk in need_ids.items()}
    results = []
    for threshold, share in itertools.product(thresholds, overlap_shares):
        limits = replace(engine.LIMITS, relevance_threshold=threshold)
        weights = replace(engine.WEIGHTS, text_overlap_share=share)
        ranked = {
            key: [
                (need_keys[c.need_id], s.total, None if c.chosen else s.relevance, s.overlap)
                for c, s in engine.rank(candidates, ctx, weights=weights, limits=limits)
            ]
            for key, candidates in rows.items()
        }
        for margin, ratio, min_overlap in itertools.product(margins, ratios, min_overlaps):
            point = _tune_point(
                offers, ranked, cap=cap, margin=margin, ratio=ratio, min_overlap=min_overlap
            )
            results.append(
                point
                | {
                    "relevance_threshold": threshold,
                    "route_margin": margin,
                    "text_overlap_share": share,
                }
            )
    # Best first by one plain objective: the two ranking goals minus the routing errors.
    unfit = sum(1 for o in offers if not o.get("relevant")) or 1
    results.sort(
        key=lambda r: (
            -(
                r["precision_at_1"]
                + r["mrr"]
                - r["irrelevant_routed_share"]
                - r["unfit_routed"] / unfit
            )
        )
    )
    write_report("matching_quality_tuning", {"half": "tune", "points": results})
    print(
        f"{'threshold':>9} {'share':>5} {'margin':>6} {'ratio':>5} {'overlap':>7} {'P@1':>6} "
        f"{'MRR':>6} {'irrel.':>7} {'routed':>6} {'unfit':>5}"
    )
    for r in results[:30]:
        print(
            f"{r['relevance_threshold']:>9.2f} {r['text_overlap_share']:>5.2f} "
            f"{r['route_margin']:>6.2f} {r['route_relevance_ratio']:>5.2f} "
            f"{r['route_min_overlap']:>7.2f} "
            f"{r['precision_at_1']:>6.3f} {r['mrr']:>6.3f} {r['irrelevant_routed_share']:>7.1%} "
            f"{r['routed_matches']:>6} {r['unfit_routed']:>5}"
        )
    return results


def run() -> dict[str, Any]:
    """Load the set into a fresh database, run the engine, write the report."""
    from matching import engine

    folder = Path(os.environ.get("BENCH_QUALITY_DATA") or DATA)
    needs, offers = load_set(folder)
    started = time.perf_counter()
    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        with bench_database(DATABASE):
            # A fresh state every run: flush empties every table and re-creates the
            # content types, permissions and role groups.
            call_command("flush", interactive=False, verbosity=0)
            need_ids = build_catalogue(needs)
            offer_ids = submit_offers(offers, need_ids)
            result = evaluate(offers, offer_ids, need_ids)
    finally:
        settings.DEBUG = debug
    print_table(result)
    figures = {
        "data": str(folder),
        "needs": len(needs),
        "offers": len(offers),
        "goals": {name: f"{op} {target}" for name, (op, target) in GOALS.items()},
        "knobs": {
            "limits": asdict(engine.LIMITS),
            "weights": asdict(engine.WEIGHTS),
            "MATCH_ROUTED_PER_OFFER": settings.MATCH_ROUTED_PER_OFFER,
        },
        "definitions": {
            "precision_at_1": "offers with a relevant need whose best match is relevant",
            "mrr": "mean of 1/rank of the first relevant need among the offer's matches",
            "irrelevant_routed_share": "routed matches (not other candidates) whose need "
            "is not relevant, over all routed matches",
            "unfit_routed": "offers that fit no need but got a routed match",
        },
        **result,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    write_report("matching_quality", figures)
    return figures
