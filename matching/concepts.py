"""The concepts of a text, in SQL, for the concept overlap of a pair
(``matching.engine.concept_overlap``): used by ``matching.retrieval`` for the few rows it
scores, inside its one query."""

from __future__ import annotations

from needs.models import Need, ThesaurusGroup, ThesaurusTerm


def concept_terms() -> str:
    """CTE ``concept_terms``: each term of a group that is not generic, with its query, its
    lexemes, one of them to look it up by (``key``) and every lexeme of its group
    (``group_lexemes``); read once per query, shared by every row's units."""
    thesaurus = ThesaurusTerm._meta.db_table
    groups = ThesaurusGroup._meta.db_table
    return f"""
    concept_terms AS MATERIALIZED (
        SELECT t.group_id, t.query, t.lexemes, t.lexemes[1] AS key, gl.lexemes AS group_lexemes
        FROM {thesaurus} t
        JOIN {groups} g ON g.id = t.group_id AND NOT g.generic
        JOIN (
            SELECT t2.group_id,
                   string_to_array(string_agg(array_to_string(t2.lexemes, ' '), ' '), ' ')
                       AS lexemes
            FROM {thesaurus} t2
            GROUP BY t2.group_id
        ) AS gl ON gl.group_id = t.group_id
        WHERE numnode(t.query) > 0 AND cardinality(t.lexemes) > 0
    )"""  # noqa: S608


def units(name: str, table: str, where: str) -> str:
    """CTEs ``<name>_found`` and ``<name>``: what each row of ``table`` matching ``where``
    is about, as units the two sides of a pair can share (``title_groups``,
    ``title_lexemes``), and what it can cover of the other side (``groups``, ``terms``).
    Needs ``concept_terms()``.

    A unit is a thesaurus group the title mentions ("notebook" and "PC" are one unit), or a
    word of the title outside those groups; generic words and numbers are no units. A
    unit of one side is covered by the other when the other mentions the same group, or
    has the word among its own words or the terms of the groups it mentions (the words of
    its description count too). The engine turns the counts into the pair's concept
    overlap (``engine.concept_overlap``): "Stampanti multifunzione per ufficio" shares one
    unit of three with "Stampanti 3D per il laboratorio", one of four the other way.

    A term can match a text only if the text has the term's first lexeme: the terms tried
    are those the rows' own lexemes look up (one hash join for all the rows), not the
    whole thesaurus for each row."""
    return f"""
    {name}_found AS MATERIALIZED (
        SELECT x.id AS src_id, t.group_id, t.lexemes, t.group_lexemes,
               ts_filter(x.search_vector, '{{a}}') @@ t.query AS in_title
        FROM {table} x
        CROSS JOIN LATERAL unnest(tsvector_to_array(x.search_vector)) AS v(lexeme)
        JOIN concept_terms t ON t.key = v.lexeme
        WHERE {where} AND x.search_vector @@ t.query
    ),
    {name} AS MATERIALIZED (
        SELECT x.id AS src_id,
               coalesce(m.groups, '{{}}') AS groups,
               coalesce(m.title_groups, '{{}}') AS title_groups,
               ARRAY(SELECT u.lexeme FROM unnest(x.search_vector) AS u
                     WHERE 'A' = ANY(u.weights) AND u.lexeme !~ '^[0-9]+([.,/-][0-9]+)*$'
                       AND NOT (u.lexeme = ANY(coalesce(m.consumed, '{{}}')))
                       AND NOT EXISTS (SELECT 1 FROM offer_generic gx
                                       WHERE gx.lexeme = u.lexeme)) AS title_lexemes,
               tsvector_to_array(x.search_vector) || coalesce(m.expansion, '{{}}') AS terms
        FROM {table} x
        LEFT JOIN (
            SELECT f.src_id,
                   array_agg(DISTINCT f.group_id) AS groups,
                   array_agg(DISTINCT f.group_id) FILTER (WHERE f.in_title) AS title_groups,
                   string_to_array(string_agg(array_to_string(f.lexemes, ' '), ' '), ' ')
                       AS consumed,
                   string_to_array(string_agg(array_to_string(f.group_lexemes, ' '), ' '), ' ')
                       AS expansion
            FROM {name}_found f
            GROUP BY f.src_id
        ) AS m ON m.src_id = x.id
        WHERE {where}
    )"""  # noqa: S608


def covered_units(units: str, other: str) -> str:
    """SQL counting the title units of ``units`` that ``other`` covers (``units``)."""
    return f"""(cardinality(ARRAY(SELECT 1 FROM unnest({units}.title_groups) AS g(id)
                                  WHERE g.id = ANY({other}.groups)))
               + cardinality(ARRAY(SELECT 1 FROM unnest({units}.title_lexemes) AS w(lexeme)
                                   WHERE w.lexeme = ANY({other}.terms))))"""  # noqa: S608


def title_units(units: str) -> str:
    """SQL counting the title units of ``units``."""
    return f"(cardinality({units}.title_groups) + cardinality({units}.title_lexemes))"


def idf(name: str, table: str, stats: str, where: str) -> str:
    """CTE ``name``: the words of the title of each row of ``table`` matching ``where`` (an
    offer), generic words and numbers left out, each with its inverse document frequency
    among the needs, ``ln((N + 1) / (df + 1))``: a word few needs say tells them apart, one
    many say does not. ``df`` comes from PostgreSQL's statistics (``stats``) for the common
    words and is counted, up to ``max_docs``, for the others (rare by definition, so the
    count reads few rows); ``N`` is the planner's row count of the needs, or their count
    while the table has never been analysed. Needs the ``offer_generic`` CTE."""
    need = Need._meta.db_table
    return f"""
    {name} AS MATERIALIZED (
        SELECT w.src_id, w.lexeme,
               ln((total.n + 1) / (least(coalesce(st.docs, (
                   SELECT count(*) FROM (
                       SELECT 1 FROM {need} d
                       WHERE d.search_vector @@ ('''' || replace(w.lexeme, '''', '''''')
                                                 || '''')::tsquery
                       LIMIT %(max_docs)s) AS c)), total.n) + 1)) AS idf
        FROM (
            SELECT DISTINCT x.id AS src_id, u.lexeme
            FROM {table} x CROSS JOIN LATERAL unnest(x.search_vector) AS u
            WHERE {where} AND 'A' = ANY(u.weights) AND u.lexeme !~ '^[0-9]+([.,/-][0-9]+)*$'
              AND NOT EXISTS (SELECT 1 FROM offer_generic gx WHERE gx.lexeme = u.lexeme)
        ) AS w
        LEFT JOIN {stats} st ON st.lexeme = w.lexeme
        CROSS JOIN (
            SELECT CASE WHEN c.reltuples > 0 THEN c.reltuples::float8
                        ELSE (SELECT count(*) FROM {need})::float8 END AS n
            FROM pg_class c WHERE c.oid = '{need}'::regclass
        ) AS total
    )"""  # noqa: S608


def idf_coverage(idf: str, units: str) -> str:
    """SQL for the idf of the words of ``idf`` (an offer's title) that ``units`` (a need's
    units) covers, then for all of them: the rare words weigh more (``idf``)."""
    return f"""(SELECT coalesce(sum(i.idf) FILTER (WHERE i.lexeme = ANY({units}.terms)), 0)
                FROM {idf} i WHERE i.src_id = p.offer_id),
               (SELECT coalesce(sum(i.idf), 0) FROM {idf} i WHERE i.src_id = p.offer_id)"""  # noqa: S608
