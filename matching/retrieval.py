"""Candidate retrieval: one SQL query per run gathers every fact the score needs.

For an offer (``offer_candidates``) PostgreSQL applies the hard filters (the need is
published or partly covered, has open quantity, the same resource kind, its "wanted by"
date has not passed; the offer itself is open, has quantity left and is still available)
and finds the needs sharing words with the offer in their stored ``search_vector``
(Italian, unaccented). The words searched for are the offer's own lexemes, chosen with
PostgreSQL's column statistics so that a search never has to rank thousands of rows
(``_queries``): needs sharing two of them first, ranked by ``ts_rank``, the best
``Limits.candidates`` kept. It adds a few needs of the offer's intervention areas when
words found too few, the need the stakeholder chose on the form, and the needs of the
offer's open matches (so they are re-scored). Only for those few rows does it compute
``ts_rank_cd``, the trigram similarity of the titles, the concepts of both titles and how
many of them the other side covers (``matching.concepts``), the places, the organisation's
history with each department and the existing match. ``need_candidates`` is the same in
reverse; ``pair_candidates`` re-reads given matches. Python then scores the rows
(``matching.engine``).

A pair's facts, and so its score, do not depend on the direction it was found from: the
text part is always the need's text ranked against the offer's words.

Partial GIN indexes over (resource kind, search vector) of open needs and offers
(``matching/migrations/0004_open_search_indexes.py``) let the search read only rows of the
right kind and status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from needs.models import Need, Neighbourhood, ThesaurusGroup, ThesaurusTerm
from stakeholders.models import Offer, Organisation

from .concepts import concept_terms, covered_units, idf, idf_coverage, title_units, units
from .engine import LIMITS, Candidate, Limits
from .models import CLOSED_STAGES, OPEN_STAGES, Match
from .prepared import fetchall, inline
from .typos import offer_documents


@dataclass(frozen=True)
class Row:
    """One candidate pair: the facts for the engine plus what the services must know."""

    candidate: Candidate
    # Both sides pass the hard filters now (an existing match may no longer qualify).
    qualifies: bool
    match_id: int | None
    match_stage: str | None

    @property
    def has_open_match(self) -> bool:
        return self.match_stage in OPEN_STAGES

    @property
    def has_closed_match(self) -> bool:
        return self.match_stage in CLOSED_STAGES


def _quoted(column: str) -> str:
    """SQL that quotes a lexeme for the tsquery input syntax (``'it''s'``). Lexemes are
    already normalised, so they are quoted and cast (``::tsquery``) rather than parsed
    again; quoting makes any lexeme safe (an e-mail, ``1.5``, a stray ``|`` or quote)."""
    return rf"('''' || replace(replace({column}, '\', '\\'), '''', '''''') || '''')"


def _stats(table: str) -> str:
    """How many rows of ``table`` contain each common lexeme, from PostgreSQL's own
    statistics (ANALYZE keeps the most common elements of a tsvector column with their
    frequencies): an IDF table kept up to date for free. Lexemes not listed are rarer."""
    return f"""
    SELECT x.lexeme, x.freq * greatest(c.reltuples, 0) AS docs
    FROM pg_stats s
    JOIN pg_namespace ns ON ns.nspname = s.schemaname
    JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = s.tablename
    CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs)
         AS x(lexeme, freq)
    WHERE s.schemaname = current_schema() AND s.tablename = '{table}'
      AND s.attname = 'search_vector' AND x.lexeme IS NOT NULL"""  # noqa: S608


def _queries(prefix: str, table: str, stats: str, where: str, *, pairs: bool) -> str:
    """CTEs ``<prefix>_words``, ``<prefix>_kept`` and ``<prefix>_q``: for each row of
    ``table`` matching ``where``, an OR tsquery of its own lexemes (``q``) and, with
    ``pairs``, one that needs two of them (``q_pairs``).

    Which lexemes: title words first, then words other rows are known to contain, rarest
    first, at most ``max_terms``. The cost of a search is the rows it must rank, so words
    found in more than ``max_docs`` rows of the searched table (``stats``) are left out, and
    words are taken in that order only while the rows they occur in add up to at most
    ``row_budget``. When that leaves no word known to occur, the ``min_terms`` rarest ones
    are searched for anyway, so an offer written in common words still finds something.
    """
    pair_sql = pair_out = pair_join = ""
    if pairs:
        # A thesaurus group the title mentions counts as a word of its own, paired with the
        # other words of the title (not those of the term that found it): "notebook" +
        # "ricondizionati" also finds "PC" + "ricondizionati". Only terms not too common to
        # tell rows apart take part, and only the title's: the query stays small.
        pair_out = """,
               CASE WHEN y.q_pairs IS NULL THEN q0.q_pairs
                    WHEN q0.q_pairs::text = '' THEN y.q_pairs
                    ELSE q0.q_pairs || y.q_pairs END AS q_pairs"""
        pair_join = f"""
        LEFT JOIN (
            SELECT g.src_id,
                   nullif(string_agg('((' || g.q_pair_group::text || ') & '
                                     || {_quoted("k.lexeme")} || ')', ' | '), '')
                       ::tsquery AS q_pairs
            FROM {prefix}_groups g
            JOIN {prefix}_kept k
                 ON k.src_id = g.src_id AND k.in_title AND NOT (k.lexeme = ANY(g.found_lexemes))
            WHERE g.q_pair_group IS NOT NULL AND g.in_title
            GROUP BY g.src_id
        ) AS y ON y.src_id = q0.src_id"""  # noqa: S608
        pair_sql = f""",
               (SELECT coalesce(string_agg('(' || {_quoted("a.lexeme")} || ' & '
                                           || {_quoted("b.lexeme")} || ')', ' | '), '')::tsquery
                FROM {prefix}_kept a JOIN {prefix}_kept b
                     ON b.src_id = a.src_id AND a.pos < b.pos
                WHERE a.src_id = k.src_id) AS q_pairs"""  # noqa: S608
    return f"""
    {prefix}_words AS MATERIALIZED (
        SELECT w.*,
               row_number() OVER (PARTITION BY w.src_id ORDER BY w.rank_key) AS pos,
               sum(w.docs) FILTER (WHERE w.docs <= %(max_docs)s)
                   OVER (PARTITION BY w.src_id ORDER BY w.rank_key
                         ROWS UNBOUNDED PRECEDING) AS spent,
               row_number() OVER (
                   PARTITION BY w.src_id ORDER BY w.docs = 0, w.docs, w.lexeme
               ) AS present_pos
        FROM (
            SELECT x.id AS src_id, u.lexeme, coalesce(st.docs, 0) AS docs,
                   'A' = ANY(u.weights) AS in_title,
                   -- title words first; then words other rows are known to contain, rarest
                   -- first; then the others (absent, or too rare to be in the statistics)
                   ROW(NOT ('A' = ANY(u.weights)), st.docs IS NULL, coalesce(st.docs, 0),
                       -cardinality(u.positions), u.lexeme) AS rank_key
            FROM {table} x
            CROSS JOIN LATERAL unnest(x.search_vector) AS u
            LEFT JOIN {stats} st ON st.lexeme = u.lexeme
            -- numbers (ages, quantities, years) match by accident, not by meaning
            WHERE {where} AND u.lexeme !~ '^[0-9]+([.,/-][0-9]+)*$'
        ) AS w
    ),
    {prefix}_kept AS MATERIALIZED (
        SELECT src_id, lexeme, pos, in_title FROM (
            SELECT c.*, bool_or(c.chosen AND c.docs > 0) OVER (PARTITION BY c.src_id) AS any_known
            FROM (
                SELECT w.*,
                       (w.docs <= %(max_docs)s AND w.spent <= %(row_budget)s
                        AND w.pos <= %(max_terms)s) AS chosen
                FROM {prefix}_words w
            ) AS c
        ) AS k
        WHERE chosen OR (NOT any_known AND present_pos <= %(min_terms)s)
    ),
    {_links(prefix, table, stats, where)},
    {prefix}_q0 AS MATERIALIZED (
        SELECT k.src_id, string_agg({_quoted("k.lexeme")}, ' | ')::tsquery AS q,
               nullif(string_agg({_quoted("k.lexeme")}, ' | ') FILTER (WHERE k.in_title), '')
                   ::tsquery AS q_title,
               nullif(string_agg({_quoted("k.lexeme")}, ' | ')
                      FILTER (WHERE gx.lexeme IS NULL), '')::tsquery AS q_rank,
               nullif(string_agg({_quoted("k.lexeme")}, ' | ')
                      FILTER (WHERE k.in_title AND gx.lexeme IS NULL), '')
                   ::tsquery AS q_title_rank{pair_sql}
        FROM {prefix}_kept k
        LEFT JOIN {prefix}_generic gx ON gx.lexeme = k.lexeme
        GROUP BY k.src_id
    ),
    {prefix}_q AS MATERIALIZED (
        SELECT q0.src_id,
               {_or("q0.q", "x.q_syn_search")} AS q,
               q0.q_title,
               {_or("q0.q_rank", "x.q_syn")} AS q_rank,
               {_or("q0.q_title_rank", "x.q_syn_title")} AS q_title_rank{pair_out}
        FROM {prefix}_q0 q0
        LEFT JOIN (
            SELECT g.src_id, string_agg('(' || g.q_group::text || ')', ' | ')::tsquery AS q_syn,
                   nullif(string_agg('(' || g.q_pair_group::text || ')', ' | ')
                          FILTER (WHERE g.q_pair_group IS NOT NULL), '')::tsquery AS q_syn_search,
                   nullif(string_agg('(' || g.q_group::text || ')', ' | ')
                          FILTER (WHERE g.in_title), '')::tsquery AS q_syn_title
            FROM {prefix}_groups g GROUP BY g.src_id
        ) AS x ON x.src_id = q0.src_id{pair_join}
    )"""  # noqa: S608


def _or(a: str, b: str) -> str:
    """SQL for the OR of two tsqueries either of which may be NULL."""
    return f"CASE WHEN {b} IS NULL THEN {a} WHEN {a} IS NULL THEN {b} ELSE {a} || {b} END"


def _links(prefix: str, table: str, stats: str, where: str) -> str:
    """CTEs ``<prefix>_links`` and ``<prefix>_groups``: the thesaurus groups each row's
    search document mentions (``needs.language``: a term matches when the document
    matches its phrase query), with the term that was found, whether it is in the title
    (weight A), its lexemes, and the group as one OR query of all its terms (``q_group``,
    for the ranking) and of those the searches use (``q_pair_group``): of the groups the
    title mentions, chosen like the words (``_queries``), rarest first, at most
    ``max_terms``, none in more than ``max_docs`` rows of the searched table and all
    together in at most ``row_budget``, so that common synonyms never make a search rank
    thousands of rows. Read from the table on every run: an edit in the admin applies to
    the next match."""
    thesaurus = ThesaurusTerm._meta.db_table
    groups = ThesaurusGroup._meta.db_table
    return f"""
    {prefix}_generic AS MATERIALIZED (
        SELECT DISTINCT u.lexeme
        FROM {thesaurus} t JOIN {groups} g ON g.id = t.group_id AND g.generic
        CROSS JOIN LATERAL unnest(t.lexemes) AS u(lexeme)
    ),
    {prefix}_links AS MATERIALIZED (
        SELECT DISTINCT ON (x.id, t.group_id)
               x.id AS src_id, t.group_id, t.term AS found, t.query AS found_query,
               ts_filter(x.search_vector, '{{a}}') @@ t.query AS in_title,
               t.lexemes AS found_lexemes
        FROM {table} x JOIN {thesaurus} t ON x.search_vector @@ t.query
        JOIN {groups} g ON g.id = t.group_id AND NOT g.generic
        WHERE {where} AND numnode(t.query) > 0
        ORDER BY x.id, t.group_id, ts_filter(x.search_vector, '{{a}}') @@ t.query DESC,
                 numnode(t.query) DESC, t.term
    ),
    {prefix}_synonyms AS MATERIALIZED (
        SELECT x.*,
               -- for the searches: groups the title mentions (what the offer is about),
               -- the rarest terms first, at most max_terms in all, each in at most max_docs
               -- rows and together in at most row_budget
               (x.in_title AND x.docs <= %(max_docs)s
                AND row_number() OVER w <= %(max_terms)s
                AND sum(x.docs) OVER w <= %(row_budget)s) AS searched
        FROM (
            SELECT l.src_id, l.group_id, l.in_title, l.found_lexemes, t.query,
                   coalesce(min(st.docs), 0) AS docs
            FROM {prefix}_links l
            JOIN {thesaurus} t ON t.group_id = l.group_id AND numnode(t.query) > 0
            CROSS JOIN LATERAL unnest(t.lexemes) AS tl(lexeme)
            LEFT JOIN {stats} st ON st.lexeme = tl.lexeme
            -- a phrase is redundant beside a one-word term of the group it contains ("PC
            -- portatile" beside "PC"): a smaller query, and no phrase to re-check
            WHERE NOT EXISTS (
                SELECT 1 FROM {thesaurus} t2
                WHERE t2.group_id = t.group_id AND cardinality(t.lexemes) > 1
                  AND cardinality(t2.lexemes) = 1 AND t2.lexemes[1] = ANY(t.lexemes))
            GROUP BY l.src_id, l.group_id, l.in_title, l.found_lexemes, t.id, t.query
        ) AS x
        WINDOW w AS (PARTITION BY x.src_id ORDER BY NOT x.in_title, x.docs, x.query::text
                     ROWS UNBOUNDED PRECEDING)
    ),
    {prefix}_groups AS MATERIALIZED (
        SELECT y.src_id, y.group_id, y.in_title, y.found_lexemes,
               string_agg(DISTINCT '(' || y.query::text || ')', ' | ')::tsquery AS q_group,
               nullif(string_agg(DISTINCT '(' || y.query::text || ')', ' | ')
                      FILTER (WHERE y.searched), '')::tsquery AS q_pair_group
        FROM {prefix}_synonyms y
        GROUP BY y.src_id, y.group_id, y.in_title, y.found_lexemes
    ),
    {prefix}_linked_terms AS MATERIALIZED (
        SELECT l.src_id, l.group_id, l.found, l.found_query, t.term, t.query
        FROM {prefix}_links l
        JOIN {thesaurus} t ON t.group_id = l.group_id AND numnode(t.query) > 0
    )"""  # noqa: S608


NEED_OK = """(n.status = ANY(%(need_statuses)s) AND n.quantity_open > 0
             AND (n.wanted_by IS NULL OR n.wanted_by >= %(today)s))"""
OFFER_OK = """(o.status = ANY(%(offer_statuses)s) AND o.quantity_open > 0
              AND (o.available_until IS NULL OR o.available_until >= %(today)s))"""


@cache
def tables() -> dict[str, str]:
    return {
        "need": Need._meta.db_table,
        "offer": Offer._meta.db_table,
        "match": Match._meta.db_table,
        "offer_areas": Offer.areas.through._meta.db_table,
        "offer_nils": Offer.neighbourhoods.through._meta.db_table,
        "offer_municipi": Offer.municipi.through._meta.db_table,
        "nil_municipi": Neighbourhood.municipi.through._meta.db_table,
        "org": Organisation._meta.db_table,
        "org_interests": Organisation.interests.through._meta.db_table,
        "org_municipi": Organisation.preferred_municipi.through._meta.db_table,
        "org_nils": Organisation.preferred_neighbourhoods.through._meta.db_table,
    }


def _offer_facts(where: str) -> str:
    t = tables()
    return f"""
    SELECT o.id, o.organisation_id, o.resource_kind, o.title, o.need_id AS chosen_need_id,
           o.quantity_open, o.available_from, o.available_until,
           {OFFER_OK} AS ok,
           ARRAY(SELECT a.interventionarea_id FROM {t["offer_areas"]} a
                 WHERE a.offer_id = o.id) AS area_ids,
           ARRAY(SELECT b.neighbourhood_id FROM {t["offer_nils"]} b
                 WHERE b.offer_id = o.id) AS neighbourhood_ids,
           ARRAY(SELECT c.municipio_id FROM {t["offer_municipi"]} c WHERE c.offer_id = o.id
                 UNION
                 SELECT nm.municipio_id FROM {t["offer_nils"]} b2
                 JOIN {t["nil_municipi"]} nm ON nm.neighbourhood_id = b2.neighbourhood_id
                 WHERE b2.offer_id = o.id) AS municipio_ids
    FROM {t["offer"]} o
    WHERE {where}"""  # noqa: S608


def need_facts(where: str) -> str:
    t = tables()
    return f"""
    SELECT n.id, n.title, n.search_vector, n.resource_kind, n.area_id, n.neighbourhood_id,
           n.department_id, n.quantity_open, n.wanted_by, n.priority,
           coalesce(n.last_reviewed_at, n.published_at) AS reviewed_at,
           {NEED_OK} AS ok,
           ARRAY(SELECT nm.municipio_id FROM {t["nil_municipi"]} nm
                 WHERE nm.neighbourhood_id = n.neighbourhood_id) AS municipio_ids
    FROM {t["need"]} n
    WHERE {where}"""  # noqa: S608


def history(where: str) -> str:
    t = tables()
    return f"""
    SELECT o.organisation_id, n.department_id,
           count(*) FILTER (WHERE m.stage = 'completed') AS completed,
           count(*) FILTER (WHERE m.stage <> 'completed') AS agreed
    FROM {t["match"]} m
    JOIN {t["offer"]} o ON o.id = m.offer_id
    JOIN {t["need"]} n ON n.id = m.need_id
    WHERE m.stage = ANY(%(history_stages)s) AND {where}
    GROUP BY o.organisation_id, n.department_id"""  # noqa: S608


def _tail() -> str:
    """The facts of every pair in ``pairs``. The text part always ranks the need's text
    against the offer's words (``offer_q``), whichever side the pair was found from."""
    t = tables()
    return f"""
    SELECT p.offer_id, p.need_id,
           (f.ok AND nf.ok AND f.resource_kind = nf.resource_kind) AS qualifies,
           coalesce(ts_rank_cd(nf.search_vector, oq.q_rank, 32), 0) AS text_rank,
           coalesce(ts_rank_cd(nf.search_vector, oq.q_title_rank, 32), 0) AS title_rank,
           similarity(nf.title, f.title) AS title_similarity,
           f.area_ids, nf.area_id, f.neighbourhood_ids, f.municipio_ids,
           nf.neighbourhood_id, nf.municipio_ids,
           f.quantity_open, nf.quantity_open, f.available_from, f.available_until,
           nf.wanted_by, nf.priority, nf.reviewed_at,
           coalesce(h.completed, 0), coalesce(h.agreed, 0),
           coalesce(f.chosen_need_id = nf.id, false) AS chosen,
           m.id, m.stage,
           -- the thesaurus links between the two texts ("notebook ≈ PC portatile"): a group
           -- the offer mentions, through a term the need does not use itself
           ARRAY(SELECT DISTINCT ON (lt.group_id) lt.found || ' ≈ ' || lt.term
                 FROM offer_linked_terms lt
                 WHERE lt.src_id = p.offer_id AND nf.search_vector @@ lt.query
                   AND NOT (nf.search_vector @@ lt.found_query)
                 ORDER BY lt.group_id, ts_filter(nf.search_vector, '{{a}}') @@ lt.query DESC,
                          numnode(lt.query) DESC, length(lt.term) DESC, lt.term) AS links,
           {title_units("ou")}, {covered_units("ou", "nu")},
           {title_units("nu")}, {covered_units("nu", "ou")},
           {idf_coverage("offer_idf", "nu")}
    FROM pairs p
    JOIN offer_facts f ON f.id = p.offer_id
    JOIN need_facts nf ON nf.id = p.need_id
    LEFT JOIN offer_q oq ON oq.src_id = p.offer_id
    JOIN offer_units ou ON ou.src_id = p.offer_id
    JOIN need_units nu ON nu.src_id = p.need_id
    LEFT JOIN history h
           ON h.organisation_id = f.organisation_id AND h.department_id = nf.department_id
    LEFT JOIN {t["match"]} m ON m.offer_id = p.offer_id AND m.need_id = p.need_id
    ORDER BY p.offer_id, p.need_id"""  # noqa: S608


def _order_rank(vector: str) -> str:
    """The preliminary order (the score then weighs the words of the title more)."""
    return f"ts_rank({vector}, q.q)"


def _text_hits(table: str, alias: str, ok: str, facts: str, query: str) -> str:
    """CTEs ``t1``, ``t2`` and ``text_hits``: rows of ``table`` sharing words with the
    query, best first. First those sharing at least two words (a selective query the GIN
    index answers quickly); only when there are too few of those, those sharing one word,
    of which at most ``single_word_pool`` (the newest) are ranked, so that a common word
    never makes a run rank the whole table. Ordered by ``ts_rank``, cheaper than
    ``ts_rank_cd``, which then scores the few rows kept."""
    a = alias
    return f"""
    t1 AS (
        SELECT {a}.id FROM {table} {a} CROSS JOIN {facts} s CROSS JOIN {query} q
        WHERE s.ok AND {ok} AND {a}.resource_kind = s.resource_kind
          AND {a}.search_vector @@ q.q_pairs
        ORDER BY {_order_rank(a + ".search_vector")} DESC, {a}.id DESC
        LIMIT %(candidates)s
    ),
    t2 AS (
        SELECT pool.id FROM (
            SELECT {a}.id, {a}.search_vector
            FROM {table} {a} CROSS JOIN {facts} s CROSS JOIN {query} q
            WHERE s.ok AND {ok} AND {a}.resource_kind = s.resource_kind
              AND {a}.search_vector @@ q.q
            ORDER BY {a}.id DESC
            LIMIT %(single_word_pool)s
        ) AS pool CROSS JOIN {query} q
        ORDER BY {_order_rank("pool.search_vector")} DESC, pool.id DESC
        LIMIT %(candidates)s
    ),
    text_hits AS (
        SELECT id FROM t1
        UNION ALL
        SELECT id FROM t2 WHERE (SELECT count(*) FROM t1) < %(candidates)s
    )"""  # noqa: S608


@cache
def offer_sql(limits: Limits = LIMITS) -> str:
    t = tables()
    sql = f"""
    WITH need_stats AS MATERIALIZED ({_stats(t["need"])}),
    {offer_documents("offer_docs", "x.id = %(offer_id)s", NEED_OK, limits)},
    {_queries("offer", "offer_docs", "need_stats", "x.id = %(offer_id)s", pairs=True)},
    offer_facts AS MATERIALIZED ({_offer_facts("o.id = %(offer_id)s")}),
    {_text_hits(t["need"], "n", NEED_OK, "offer_facts", "offer_q")},
    area_hits AS (
        SELECT n.id FROM {t["need"]} n CROSS JOIN offer_facts f
        WHERE f.ok AND {NEED_OK} AND n.resource_kind = f.resource_kind
          AND n.area_id = ANY(f.area_ids)
          AND (SELECT count(*) FROM text_hits) < %(candidates)s
        ORDER BY n.priority DESC, n.wanted_by ASC NULLS LAST, n.id DESC
        LIMIT %(area_candidates)s
    ),
    pairs AS (
        SELECT %(offer_id)s::bigint AS offer_id, c.id AS need_id FROM (
            SELECT id FROM text_hits
            UNION SELECT id FROM area_hits
            UNION SELECT chosen_need_id FROM offer_facts WHERE chosen_need_id IS NOT NULL
            UNION SELECT need_id FROM {t["match"]}
                  WHERE offer_id = %(offer_id)s AND stage = ANY(%(open_stages)s)
        ) AS c
    ),
    need_facts AS ({need_facts("n.id IN (SELECT need_id FROM pairs)")}),
    {concept_terms()},
    {units("offer_units", "offer_docs", "x.id = %(offer_id)s")},
    {idf("offer_idf", "offer_docs", "need_stats", "x.id = %(offer_id)s")},
    {units("need_units", t["need"], "x.id IN (SELECT need_id FROM pairs)")},
    history AS ({history("o.organisation_id = (SELECT organisation_id FROM offer_facts)")})
    {_tail()}"""  # noqa: S608
    return inline(sql, limits)


@cache
def need_sql(limits: Limits = LIMITS) -> str:
    t = tables()
    offers_of_pairs = "x.id IN (SELECT offer_id FROM pairs)"
    sql = f"""
    WITH offer_stats AS MATERIALIZED ({_stats(t["offer"])}),
    {_queries("need", t["need"], "offer_stats", "x.id = %(need_id)s", pairs=True)},
    need_facts AS MATERIALIZED ({need_facts("n.id = %(need_id)s")}),
    {_text_hits(t["offer"], "o", OFFER_OK, "need_facts", "need_q")},
    area_hits AS (
        SELECT o.id FROM {t["offer"]} o CROSS JOIN need_facts nf
        WHERE nf.ok AND {OFFER_OK} AND o.resource_kind = nf.resource_kind
          AND (SELECT count(*) FROM text_hits) < %(candidates)s
          AND EXISTS (SELECT 1 FROM {t["offer_areas"]} a
                      WHERE a.offer_id = o.id AND a.interventionarea_id = nf.area_id)
        ORDER BY o.created_at DESC, o.id DESC
        LIMIT %(area_candidates)s
    ),
    pairs AS (
        SELECT c.id AS offer_id, %(need_id)s::bigint AS need_id FROM (
            SELECT id FROM text_hits
            UNION SELECT id FROM area_hits
            UNION SELECT o.id FROM {t["offer"]} o WHERE o.need_id = %(need_id)s
            UNION SELECT offer_id FROM {t["match"]}
                  WHERE need_id = %(need_id)s AND stage = ANY(%(open_stages)s)
        ) AS c
    ),
    need_stats AS MATERIALIZED ({_stats(t["need"])}),
    {offer_documents("offer_docs", offers_of_pairs, NEED_OK, limits)},
    {_queries("offer", "offer_docs", "need_stats", offers_of_pairs, pairs=False)},
    offer_facts AS ({_offer_facts("o.id IN (SELECT offer_id FROM pairs)")}),
    {concept_terms()},
    {units("offer_units", "offer_docs", offers_of_pairs)},
    {idf("offer_idf", "offer_docs", "need_stats", offers_of_pairs)},
    {units("need_units", t["need"], "x.id = %(need_id)s")},
    history AS ({
        history(
            "n.department_id = (SELECT department_id FROM need_facts)"
            " AND o.organisation_id IN (SELECT organisation_id FROM offer_facts)"
        )
    })
    {_tail()}"""  # noqa: S608
    return inline(sql, limits)


@cache
def pairs_sql(limits: Limits = LIMITS) -> str:
    t = tables()
    offers_of_pairs = "x.id IN (SELECT offer_id FROM pairs)"
    sql = f"""
    WITH pairs AS (SELECT offer_id, need_id FROM {t["match"]} WHERE id = ANY(%(match_ids)s)),
    need_stats AS MATERIALIZED ({_stats(t["need"])}),
    {offer_documents("offer_docs", offers_of_pairs, NEED_OK, limits)},
    {_queries("offer", "offer_docs", "need_stats", offers_of_pairs, pairs=False)},
    offer_facts AS ({_offer_facts("o.id IN (SELECT offer_id FROM pairs)")}),
    need_facts AS ({need_facts("n.id IN (SELECT need_id FROM pairs)")}),
    {concept_terms()},
    {units("offer_units", "offer_docs", offers_of_pairs)},
    {idf("offer_idf", "offer_docs", "need_stats", offers_of_pairs)},
    {units("need_units", t["need"], "x.id IN (SELECT need_id FROM pairs)")},
    history AS ({
        history(
            "o.organisation_id IN (SELECT organisation_id FROM offer_facts)"
            " AND n.department_id IN (SELECT department_id FROM need_facts)"
        )
    })
    {_tail()}"""  # noqa: S608
    return inline(sql, limits)


def params(today: date, limits: Limits, **extra: Any) -> dict[str, Any]:
    return {"today": today, **extra}


def _rows(sql: str, params: dict[str, Any]) -> list[Row]:
    records = fetchall(sql, params)
    rows = []
    for r in records:
        candidate = Candidate(
            offer_id=r[0],
            need_id=r[1],
            text_rank=float(r[3] or 0.0),
            title_rank=float(r[4] or 0.0),
            title_similarity=float(r[5] or 0.0),
            offer_area_ids=frozenset(r[6] or ()),
            need_area_id=r[7],
            offer_neighbourhood_ids=frozenset(r[8] or ()),
            offer_municipio_ids=frozenset(r[9] or ()),
            need_neighbourhood_id=r[10],
            need_municipio_ids=frozenset(r[11] or ()),
            offer_quantity_open=r[12],
            need_quantity_open=r[13],
            offer_available_from=r[14],
            offer_available_until=r[15],
            need_wanted_by=r[16],
            need_priority=r[17],
            need_reviewed_at=r[18],
            history_completed=r[19],
            history_agreed=r[20],
            chosen=bool(r[21]),
            links=tuple(r[24] or ()),
            offer_title_units=r[25],
            offer_units_covered=r[26],
            need_title_units=r[27],
            need_units_covered=r[28],
            offer_idf_covered=float(r[29] or 0.0),
            offer_idf_total=float(r[30] or 0.0),
        )
        rows.append(
            Row(candidate=candidate, qualifies=bool(r[2]), match_id=r[22], match_stage=r[23])
        )
    return rows


def offer_candidates(*, offer_id: int, today: date, limits: Limits = LIMITS) -> list[Row]:
    """The needs that could match an offer, with their facts (one query)."""
    return _rows(offer_sql(limits), params(today, limits, offer_id=offer_id))


def need_candidates(*, need_id: int, today: date, limits: Limits = LIMITS) -> list[Row]:
    """The open offers that could match a need, with their facts (one query)."""
    return _rows(need_sql(limits), params(today, limits, need_id=need_id))


def pair_candidates(*, match_ids: Sequence[int], today: date, limits: Limits = LIMITS) -> list[Row]:
    """The facts of existing matches, to re-score them (one query)."""
    if not match_ids:
        return []
    return _rows(pairs_sql(limits), params(today, limits, match_ids=list(match_ids)))
