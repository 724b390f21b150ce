"""The concepts of a text, in SQL, for the concept overlap of a pair
(``matching.engine.concept_overlap``): used by ``matching.retrieval`` for the few rows it
scores, inside its one query."""

from __future__ import annotations

from needs.models import ThesaurusGroup, ThesaurusTerm


def units(name: str, table: str, where: str) -> str:
    """CTE ``<name>``: what each row of ``table`` matching ``where`` is about, as units
    the two sides of a pair can share (``title_groups``, ``title_lexemes``), and what it
    can cover of the other side (``groups``, ``terms``).

    A unit is a thesaurus group the title mentions ("notebook" and "PC" are one unit), or a
    word of the title outside those groups; generic words and numbers are no units. A
    unit of one side is covered by the other when the other mentions the same group, or
    has the word among its own words or the terms of the groups it mentions (the words of
    its description count too). The engine turns the counts into the pair's concept
    overlap (``engine.concept_overlap``): "Stampanti multifunzione per ufficio" shares one
    unit of three with "Stampanti 3D per il laboratorio", one of four the other way."""
    thesaurus = ThesaurusTerm._meta.db_table
    groups = ThesaurusGroup._meta.db_table
    return f"""
    {name} AS MATERIALIZED (
        SELECT x.id AS src_id,
               coalesce(m.groups, '{{}}') AS groups,
               coalesce(m.title_groups, '{{}}') AS title_groups,
               ARRAY(SELECT u.lexeme FROM unnest(x.search_vector) AS u
                     WHERE 'A' = ANY(u.weights) AND u.lexeme !~ '^[0-9]+([.,/-][0-9]+)*$'
                       AND NOT (u.lexeme = ANY(coalesce(m.consumed, '{{}}')))
                       AND NOT EXISTS (SELECT 1 FROM offer_generic gx
                                       WHERE gx.lexeme = u.lexeme)) AS title_lexemes,
               tsvector_to_array(x.search_vector)
                   || ARRAY(SELECT DISTINCT l.lexeme FROM {thesaurus} t2
                            CROSS JOIN LATERAL unnest(t2.lexemes) AS l(lexeme)
                            WHERE t2.group_id = ANY(m.groups)) AS terms
        FROM {table} x
        LEFT JOIN LATERAL (
            SELECT array_agg(DISTINCT t.group_id) AS groups,
                   array_agg(DISTINCT t.group_id)
                       FILTER (WHERE ts_filter(x.search_vector, '{{a}}') @@ t.query)
                       AS title_groups,
                   array_agg(DISTINCT l.lexeme) AS consumed
            FROM {thesaurus} t
            JOIN {groups} g ON g.id = t.group_id AND NOT g.generic
            CROSS JOIN LATERAL unnest(t.lexemes) AS l(lexeme)
            WHERE numnode(t.query) > 0 AND x.search_vector @@ t.query
        ) AS m ON true
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
