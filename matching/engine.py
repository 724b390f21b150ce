"""The matching score: plain functions over plain values, no database.

Candidate retrieval (``matching/retrieval.py``) gathers, in one SQL query, the facts about
each offer/need pair that could match; this module turns those facts into a score between
0 and 1 and a breakdown that says why. Everything tunable lives in ``Weights`` and
``Limits`` below, so a city changes the behaviour in one place (and the tests say what
each knob means).

The breakdown is stored with each match (``Match.score_parts``)::

    {"version": 1, "total": 0.71, "eligible": true,
     "parts": [{"key": "text", "label": "Text relevance", "reason": "...", "params": {},
                "raw": {...}, "value": 0.62, "weight": 0.3, "contribution": 0.186}, ...]}

``label`` and ``reason`` are English msgids (marked with ``gettext_noop`` here), so a queue
in Italian or English translates them when it shows them: ``explain(score_parts)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from django.utils.translation import gettext_noop

# Showing a breakdown lives beside the score; callers use it as ``engine.describe`` etc.
from .breakdown import describe as describe
from .breakdown import describe_outreach as describe_outreach
from .breakdown import explain as explain

SCORE_VERSION = 1


@dataclass(frozen=True)
class Weights:
    """How much each part of the score counts. The eight part weights add up to 1.

    text
        Full-text relevance of the need to the offer: PostgreSQL ``ts_rank_cd`` of the
        need's text (title, beneficiaries, school, description; Italian, unaccented, with
        the lemmas of its words, so "computer portatili" finds "PC portatile" and
        "laboratori" finds "laboratorio") against the offer's words and their lemmas, the
        words of its title counting double (``text_title_share``), blended with the
        trigram similarity of the two titles (``text_rank_share``). A thesaurus group the
        offer mentions counts as its words too ("notebook" finds "PC"; "laptops" finds
        "PC portatile"), and the explanation names the link ("notebook ≈ PC"). Words of
        the thesaurus's generic groups ("scuola", "alunni", "famiglie") find candidates
        but weigh nothing here: they say where, not what.

        The value of this part is the pair's **text relevance** (``Score.relevance``,
        ``text_relevance()``, stored as ``relevance`` in the breakdown), 0..1, the number
        a relevance gate thresholds: 0 when the texts share nothing but generic words;
        below 0.1 when only the titles look alike (trigram similarity); 0.35-0.45 when the
        offer's title and the need share one word or thesaurus concept ("notebook" and
        "40 PC"); 0.5-0.75 with more shared words; 1 only for near-identical texts.

        A share of it (``text_overlap_share``) is the pair's **concept overlap**
        (``concept_overlap()``): how much of each title the other text covers, counting a
        thesaurus group as one concept ("notebook" and "PC" are the same one) and leaving
        out generic words and numbers; the geometric mean of the two shares, so an offer
        about more than the need ("Stampanti multifunzione per ufficio" against "Stampanti
        3D per il laboratorio": one concept of three, one of four) scores low even though
        both say "stampanti". Routing also asks for it (``Limits.route_min_overlap``).

        Another share (``text_idf_share``) is the pair's **idf coverage**
        (``idf_coverage()``): the share of the offer's title words the need covers, each
        weighed by its inverse document frequency among the needs, so a rare word in
        common ("microscopi") counts for more than a word many needs say ("laboratorio").
    area
        The need's intervention area is one the offer names (an offer naming no area is
        neutral).
    place
        Same neighbourhood (NIL) beats same Municipio beats a city-wide offer beats
        elsewhere; a city-wide need is served from anywhere (scored like a city-wide offer).
    quantity
        How much of the need's open quantity the offer's open quantity covers: covering it
        fully scores 1, a tiny fraction little (square root of the share).
    timing
        The offer is available before the need is wanted: 1; late: decays to 0 over
        ``timing_grace_days``; no deadline on the need: neutral.
    priority
        The department's priority for the need (low 0, normal 1/3, high 2/3, urgent 1).
    freshness
        Needs reviewed within ``NEED_STALE_AFTER_DAYS`` score 1; stale ones decay to 0 over
        one more such period (companies plan on tight schedules: stale needs mislead).
    history
        The organisation has already agreed or completed collaborations with the need's
        department (continuity): saturates at ``history_saturation`` completed ones, an
        agreed one counts half.
    """

    text: float = 0.30
    area: float = 0.15
    place: float = 0.15
    quantity: float = 0.10
    timing: float = 0.08
    priority: float = 0.07
    freshness: float = 0.05
    history: float = 0.10

    # Inside "text": the share of ts_rank_cd (the rest is title trigram similarity), and the
    # normalised rank (ts_rank_cd with normalisation 32, i.e. rank / (rank + 1), already a
    # saturating curve: one shared title word gives about 0.5, three about 0.75) that counts
    # as a perfect text match (1: use it as it is).
    text_rank_share: float = 0.75
    text_rank_saturation: float = 1.0
    # Within the rank: the share of the words of the offer's title (what the offer is
    # about), the rest all its words; a description says more, and more loosely.
    text_title_share: float = 0.5
    # The share of the concept overlap in the text relevance (the rest is the rank and
    # trigram blend above). Chosen on the tune half of the quality benchmark.
    text_overlap_share: float = 0.1
    # The share of the idf coverage (``idf_coverage``): the offer's title words the need
    # covers, a rare word weighing more than a common one. Chosen on the tune half.
    text_idf_share: float = 0.1
    # Thesaurus links named in the explanation ("notebook ≈ PC portatile").
    links_shown: int = 3

    # Place values.
    place_same_neighbourhood: float = 1.0
    place_same_municipio: float = 0.7
    place_city_wide: float = 0.5
    place_elsewhere: float = 0.0

    # An offer naming no intervention area neither helps nor hurts.
    area_unspecified: float = 0.5
    # Timing when the need has no "wanted by" date.
    timing_neutral: float = 0.5
    # An offer arriving after the need's date: starts at this value, reaches 0 after
    # ``timing_grace_days`` days late.
    timing_late_start: float = 0.4
    timing_grace_days: int = 90
    history_saturation: float = 3.0

    # The stakeholder picked this very need on the public form (``/offers/new/?need=<id>``):
    # a bonus on top of the weighted sum (the total is capped at 1).
    chosen_need_bonus: float = 0.3

    # Outreach suggestions for a new need (organisations with the need's area among their
    # interests; the interest itself is the entry ticket and gives the base score).
    outreach_base: float = 0.5
    outreach_place: float = 0.3
    outreach_history: float = 0.2

    def part_weights(self) -> dict[str, float]:
        return {key: getattr(self, key) for key in PART_KEYS}


@dataclass(frozen=True)
class Limits:
    """How many candidates are looked at and kept.

    candidates: needs (or offers) ranked by full-text relevance in PostgreSQL per run.
    area_candidates: extra candidates from the offer's areas that share no word with it.
    keep: new matches created per run (the best ones above ``min_score``).
    min_score: below this a pair is not proposed.
    relevance_threshold: the relevance gate. A pair is a match only on evidence about
        content: its text relevance (``text_relevance``: the value of the "text" part, 0..1)
        reaches this, or the stakeholder chose the need on the form. Place, quantity,
        timing, priority, freshness, history and area only rank the pairs that pass; they
        never lift an irrelevant one over the line. Raise it for fewer, surer matches.
    route_margin: of an offer's matches, only those scoring within this of its best one
        are routed to an account manager (at most ``MATCH_ROUTED_PER_OFFER`` of them, a
        setting); the others are kept as "other candidates" a manager may promote.
    route_relevance_ratio: ... and only those whose text relevance is at least this share
        of the best one's (the need the stakeholder chose is not compared): a
        match as good on place and timing but clearly less about the same thing waits.
    route_min_overlap: ... and only those whose concept overlap (``concept_overlap``)
        reaches this (the need the stakeholder chose excepted): a pair that shares a word
        but not what the offer is about ("Toner e cartucce" and the 3D printers) stays an
        other candidate, whatever the rest of its score, so an offer that fits no need is
        routed to nobody.
    max_query_lexemes: the offer's words searched for (title words first, then the rarest):
        bounds the cost of a very long description.
    max_lexeme_rows: a word found in more published needs than this (PostgreSQL's column
        statistics say how many) is too common to tell needs apart and is not searched for;
        small catalogues never reach it.
    query_row_budget: words are added to the search (title words first, then the rarest)
        only while the needs they occur in add up to at most this: bounds the rows a search
        ranks, whatever the catalogue size.
    min_query_lexemes: the rarest words known to occur are searched for even when common,
        so an offer written only in common words still finds something.
    single_word_pool: when fewer than ``candidates`` needs share two words with the offer,
        at most this many (the newest) of those sharing one word are ranked.
    outreach_keep: organisations suggested for outreach per need.
    typo_min_length, typo_similarity: a word of the offer's title of at least
        ``typo_min_length`` letters that no need contains and no thesaurus term is, is
        read as the word of the published needs' titles closest to it, if their trigram
        similarity reaches ``typo_similarity`` ("libbri" as "libri": 0.625;
        ``matching.typos``).
    """

    candidates: int = 30
    area_candidates: int = 10
    keep: int = 10
    min_score: float = 0.35
    relevance_threshold: float = 0.15
    route_margin: float = 0.05
    route_relevance_ratio: float = 0.9
    route_min_overlap: float = 0.5
    max_query_lexemes: int = 12
    max_lexeme_rows: int = 2500
    query_row_budget: int = 5000
    min_query_lexemes: int = 2
    single_word_pool: int = 800
    outreach_candidates: int = 200
    outreach_keep: int = 20
    typo_min_length: int = 4
    typo_similarity: float = 0.5


WEIGHTS = Weights()
LIMITS = Limits()

PART_KEYS = ("text", "area", "place", "quantity", "timing", "priority", "freshness", "history")

LABELS: dict[str, str] = {
    "text": gettext_noop("Text relevance"),
    "area": gettext_noop("Intervention area"),
    "place": gettext_noop("Place"),
    "quantity": gettext_noop("Quantity"),
    "timing": gettext_noop("Timing"),
    "priority": gettext_noop("Need priority"),
    "freshness": gettext_noop("Need kept up to date"),
    "history": gettext_noop("History with the department"),
    "chosen": gettext_noop("Chosen by the stakeholder"),
}

# Reasons shown next to each part (English msgids; ``%(name)s`` parameters filled in).
REASONS: dict[str, str] = {
    "text_words": gettext_noop("Shares words with the offer (title similarity %(similarity)d%%)"),
    "text_none": gettext_noop("No words in common with the offer"),
    "text_links": gettext_noop("Related words: %(links)s (title similarity %(similarity)d%%)"),
    "area_in": gettext_noop("The offer names this intervention area"),
    "area_out": gettext_noop("The offer names other intervention areas"),
    "area_unspecified": gettext_noop("The offer names no intervention area"),
    "place_nil": gettext_noop("Same neighbourhood (NIL)"),
    "place_municipio": gettext_noop("Same Municipio"),
    "place_city_offer": gettext_noop("The offer covers the whole city"),
    "place_city_need": gettext_noop("The need is city-wide"),
    "place_elsewhere": gettext_noop("The offer is for other parts of the city"),
    "quantity_full": gettext_noop("Covers all the open quantity"),
    "quantity_part": gettext_noop("Covers %(percent)d%% of the open quantity"),
    "quantity_unknown": gettext_noop("Nothing left to cover"),
    "timing_in_time": gettext_noop("Available before the need's date"),
    "timing_late": gettext_noop("Available %(days)d days after the need's date"),
    "timing_no_date": gettext_noop("The need has no date"),
    "priority": gettext_noop("Priority: %(priority)s"),
    "fresh": gettext_noop("Reviewed %(days)d days ago"),
    "stale": gettext_noop("Not reviewed for %(days)d days"),
    "never_reviewed": gettext_noop("Never reviewed"),
    "history_none": gettext_noop("No past collaborations with this department"),
    "history_some": gettext_noop(
        "%(completed)d completed and %(agreed)d agreed collaborations with this department"
    ),
    "chosen": gettext_noop("The stakeholder offered this for this very need"),
    "outreach_interest": gettext_noop("Interested in this intervention area"),
}

PRIORITY_NAMES = {
    1: gettext_noop("low"),
    2: gettext_noop("normal"),
    3: gettext_noop("high"),
    4: gettext_noop("urgent"),
}


@dataclass(frozen=True)
class Candidate:
    """What is known about one offer/need pair, as plain values (one row of retrieval)."""

    offer_id: int
    need_id: int
    # ts_rank_cd(need, offer words, 32): 0..1; the same for the words of the offer's
    # title only; title trigram similarity: 0..1.
    text_rank: float = 0.0
    title_rank: float = 0.0
    title_similarity: float = 0.0
    offer_area_ids: frozenset[int] = frozenset()
    need_area_id: int | None = None
    offer_neighbourhood_ids: frozenset[int] = frozenset()
    # The offer's Municipi: those it names and those of the neighbourhoods it names.
    offer_municipio_ids: frozenset[int] = frozenset()
    need_neighbourhood_id: int | None = None
    # The Municipi the need's NIL lies in (a NIL may straddle two or three).
    need_municipio_ids: frozenset[int] = frozenset()
    offer_quantity_open: int = 0
    need_quantity_open: int = 0
    offer_available_from: date | None = None
    offer_available_until: date | None = None
    need_wanted_by: date | None = None
    need_priority: int = 2
    need_reviewed_at: datetime | None = None
    history_completed: int = 0
    history_agreed: int = 0
    chosen: bool = False
    # Thesaurus links between the two texts, as "offer term ≈ need term".
    links: tuple[str, ...] = ()
    # The concepts of each title (thesaurus groups and other words, generic ones left
    # out) and how many of them the other side's text covers (``concept_overlap``).
    offer_title_units: int = 0
    offer_units_covered: int = 0
    need_title_units: int = 0
    need_units_covered: int = 0
    # The inverse document frequencies of the offer's title words (generic words and
    # numbers left out) the need covers, and of all of them (``idf_coverage``).
    offer_idf_covered: float = 0.0
    offer_idf_total: float = 0.0


@dataclass(frozen=True)
class Context:
    """The clock and the city's settings the score depends on (passed in: stays pure)."""

    today: date
    now: datetime
    stale_after_days: int = 60


class Part(NamedTuple):
    """One part of a score (a named tuple: thousands are made per run, they must be cheap)."""

    key: str
    value: float
    weight: float
    reason: str
    params: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] | None = None

    @property
    def contribution(self) -> float:
        return self.value * self.weight

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": LABELS[self.key],
            "reason": REASONS[self.reason],
            "params": dict(self.params or {}),
            "raw": dict(self.raw or {}),
            "value": round(self.value, 4),
            "weight": round(self.weight, 4),
            "contribution": round(self.contribution, 4),
        }


class Score(NamedTuple):
    total: float
    parts: tuple[Part, ...]
    # Did the pair pass the relevance gate (text relevance at least the threshold, or the
    # stakeholder's choice)? The other parts alone never make a match.
    eligible: bool

    @property
    def relevance(self) -> float:
        """The text relevance of the pair, 0..1 (the value of the text part)."""
        return next((part.value for part in self.parts if part.key == "text"), 0.0)

    @property
    def overlap(self) -> float:
        """The concept overlap of the pair, 0..1 (``concept_overlap``)."""
        text = next((part for part in self.parts if part.key == "text"), None)
        return float((text.raw or {}).get("overlap", 0.0)) if text else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "version": SCORE_VERSION,
            "total": round(self.total, 4),
            "relevance": round(self.relevance, 4),
            "overlap": round(self.overlap, 4),
            "eligible": self.eligible,
            "parts": [part.as_json() for part in self.parts],
        }


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def concept_overlap(c: Candidate) -> float:
    """How much the two titles are about the same things, 0..1: the geometric mean of the
    share of the offer's title concepts the need covers and of the need's title concepts
    the offer covers (``matching.concepts``). 0 when either title has no concept the other
    side mentions, 1 when each side covers the other's title."""
    if c.offer_title_units <= 0 or c.need_title_units <= 0:
        return 0.0
    offer_share = _clamp(c.offer_units_covered / c.offer_title_units)
    need_share = _clamp(c.need_units_covered / c.need_title_units)
    return math.sqrt(offer_share * need_share)


def idf_coverage(c: Candidate) -> float:
    """The share of the offer's title the need covers, each word weighed by its inverse
    document frequency among the needs (``matching.concepts.idf``): covering a rare word
    ("telescopi") counts for more than covering a common one ("laboratorio"). 0..1."""
    if c.offer_idf_total <= 0:
        return 0.0
    return _clamp(c.offer_idf_covered / c.offer_idf_total)


def text_part(c: Candidate, w: Weights) -> Part:
    rank = w.text_title_share * c.title_rank + (1 - w.text_title_share) * c.text_rank
    rank_value = _clamp(rank / w.text_rank_saturation) if w.text_rank_saturation else 0.0
    words = w.text_rank_share * rank_value + (1 - w.text_rank_share) * _clamp(c.title_similarity)
    overlap = concept_overlap(c)
    rare = idf_coverage(c)
    value = (
        (1 - w.text_overlap_share - w.text_idf_share) * words
        + w.text_overlap_share * overlap
        + w.text_idf_share * rare
    )
    reason = "text_words" if c.text_rank > 0 or c.title_similarity >= 0.3 else "text_none"
    params: dict[str, Any] = {"similarity": round(100 * c.title_similarity)}
    raw: dict[str, Any] = {
        "rank": round(c.text_rank, 4),
        "title_rank": round(c.title_rank, 4),
        "trigram": round(c.title_similarity, 4),
        "overlap": round(overlap, 4),
        "idf": round(rare, 4),
        "units": [
            c.offer_units_covered,
            c.offer_title_units,
            c.need_units_covered,
            c.need_title_units,
        ],
    }
    if c.links:
        reason = "text_links"
        params["links"] = ", ".join(c.links[: w.links_shown])
        raw["links"] = list(c.links)
    return Part("text", _clamp(value), w.text, reason, params, raw)


def text_relevance(c: Candidate, w: Weights = WEIGHTS) -> float:
    """How much the two texts are about the same thing, 0..1 (see ``Weights.text``)."""
    return text_part(c, w).value


def area_part(c: Candidate, w: Weights) -> Part:
    if not c.offer_area_ids:
        return Part("area", w.area_unspecified, w.area, "area_unspecified")
    if c.need_area_id in c.offer_area_ids:
        return Part("area", 1.0, w.area, "area_in")
    return Part("area", 0.0, w.area, "area_out")


def place_part(c: Candidate, w: Weights) -> Part:
    if c.need_neighbourhood_id is None:
        return Part("place", w.place_city_wide, w.place, "place_city_need")
    if c.need_neighbourhood_id in c.offer_neighbourhood_ids:
        return Part("place", w.place_same_neighbourhood, w.place, "place_nil")
    if c.need_municipio_ids & c.offer_municipio_ids:
        return Part("place", w.place_same_municipio, w.place, "place_municipio")
    if not c.offer_neighbourhood_ids and not c.offer_municipio_ids:
        return Part("place", w.place_city_wide, w.place, "place_city_offer")
    return Part("place", w.place_elsewhere, w.place, "place_elsewhere")


def quantity_part(c: Candidate, w: Weights) -> Part:
    if c.need_quantity_open <= 0:
        return Part("quantity", 0.0, w.quantity, "quantity_unknown")
    share = c.offer_quantity_open / c.need_quantity_open
    raw = {"offer": c.offer_quantity_open, "need": c.need_quantity_open}
    if share >= 1:
        return Part("quantity", 1.0, w.quantity, "quantity_full", raw=raw)
    percent = max(1, round(share * 100)) if share > 0 else 0
    return Part(
        "quantity",
        math.sqrt(max(share, 0.0)),
        w.quantity,
        "quantity_part",
        {"percent": percent},
        raw,
    )


def timing_part(c: Candidate, w: Weights, ctx: Context) -> Part:
    if c.need_wanted_by is None:
        return Part("timing", w.timing_neutral, w.timing, "timing_no_date")
    start = max(c.offer_available_from or ctx.today, ctx.today)
    late = (start - c.need_wanted_by).days
    raw = {"late_days": max(late, 0)}
    if late <= 0:
        return Part("timing", 1.0, w.timing, "timing_in_time", raw=raw)
    value = w.timing_late_start * max(0.0, 1 - late / w.timing_grace_days)
    return Part("timing", value, w.timing, "timing_late", {"days": late}, raw)


def priority_part(c: Candidate, w: Weights) -> Part:
    level = min(max(c.need_priority, 1), 4)
    return Part(
        "priority",
        (level - 1) / 3,
        w.priority,
        "priority",
        {"priority": PRIORITY_NAMES[level]},
        {"priority": level},
    )


def freshness_part(c: Candidate, w: Weights, ctx: Context) -> Part:
    if c.need_reviewed_at is None:
        return Part("freshness", 0.0, w.freshness, "never_reviewed")
    days = max(0, (ctx.now - c.need_reviewed_at).days)
    limit = max(ctx.stale_after_days, 1)
    raw = {"days": days, "stale_after": limit}
    if days <= limit:
        return Part("freshness", 1.0, w.freshness, "fresh", {"days": days}, raw)
    value = max(0.0, 1 - (days - limit) / limit)
    return Part("freshness", value, w.freshness, "stale", {"days": days}, raw)


def history_part(c: Candidate, w: Weights) -> Part:
    weighted = c.history_completed + 0.5 * c.history_agreed
    raw = {"completed": c.history_completed, "agreed": c.history_agreed}
    if weighted <= 0:
        return Part("history", 0.0, w.history, "history_none", raw=raw)
    return Part(
        "history",
        _clamp(weighted / w.history_saturation),
        w.history,
        "history_some",
        raw,
        raw,
    )


def passes_gate(candidate: Candidate, text_value: float, limits: Limits | None = None) -> bool:
    """The relevance gate: the stakeholder chose this need, or the texts are relevant."""
    threshold = (limits or LIMITS).relevance_threshold
    return candidate.chosen or text_value >= threshold


def score(
    candidate: Candidate,
    ctx: Context,
    weights: Weights = WEIGHTS,
    limits: Limits | None = None,
) -> Score:
    """Score one pair: the weighted sum of its parts, plus the chosen-need bonus, in 0..1;
    ``eligible`` says whether it passed the relevance gate (``Limits.relevance_threshold``)."""
    text = text_part(candidate, weights)
    parts = [
        text,
        area_part(candidate, weights),
        place_part(candidate, weights),
        quantity_part(candidate, weights),
        timing_part(candidate, weights, ctx),
        priority_part(candidate, weights),
        freshness_part(candidate, weights, ctx),
        history_part(candidate, weights),
    ]
    if candidate.chosen:
        parts.append(Part("chosen", 1.0, weights.chosen_need_bonus, "chosen"))
    total = _clamp(sum(part.value * part.weight for part in parts))
    return Score(total, tuple(parts), passes_gate(candidate, text.value, limits))


def rank(
    candidates: Iterable[Candidate],
    ctx: Context,
    *,
    weights: Weights = WEIGHTS,
    limits: Limits = LIMITS,
) -> list[tuple[Candidate, Score]]:
    """The pairs worth proposing, best first: eligible, at least ``min_score``, at most
    ``keep``. Ties break on the ids, so the order is stable from run to run."""
    return best([(c, score(c, ctx, weights, limits)) for c in candidates], limits=limits)


def best(
    scored: Iterable[tuple[Candidate, Score]], *, limits: Limits = LIMITS
) -> list[tuple[Candidate, Score]]:
    """``rank`` for pairs already scored."""
    kept = [(c, s) for c, s in scored if s.eligible and s.total >= limits.min_score]
    kept.sort(key=lambda item: (-item[1].total, -item[0].need_id, -item[0].offer_id))
    return kept[: limits.keep]
