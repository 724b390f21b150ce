"""Typing errors in an offer's title, in SQL, for the retrieval queries
(``matching.retrieval``): inside their one query, for the offers they read.

The catalogue search falls back to trigram similarity when a query finds nothing
(``needs.filters``); matching does the same word by word. A word of the offer's title
that no need contains ("Libbri per ragazzi": no need says ``libbr``) and that is no
thesaurus term is replaced, for the matching only, by the word of the published needs'
titles closest to it (pg_trgm, through the titles' trigram index), when that word is close
enough (``Limits.typo_similarity``): "libbri" reads as "libri", "robbotica" as "robotica".
The offer's text is never changed; its search document is, inside the query, and so the
search, the rank and the concept overlap all see the corrected word.
"""

from __future__ import annotations

from contactpoint.search import SEARCH_CONFIG
from needs.models import Need, ThesaurusTerm
from stakeholders.models import Offer

from .engine import LIMITS, Limits

# The words of a title, as the fallback compares them: lower case, no accents.
_WORDS = r"regexp_split_to_table(lower(unaccent({column})), '[^[:alnum:]]+')"


def _words(column: str) -> str:
    return _WORDS.format(column=column)


def offer_documents(name: str, where: str, need_ok: str, limits: Limits = LIMITS) -> str:
    """CTEs ``<name>_unknown``, ``<name>_fixes`` and ``<name>``: for each offer ``x``
    matching ``where``, its id and its search document with the title words no need
    contains replaced by their closest catalogue word (``search_vector``; unchanged for
    an offer without such words). ``need_ok`` says which needs' titles are the
    vocabulary (alias ``n``)."""
    offer = Offer._meta.db_table
    need = Need._meta.db_table
    thesaurus = ThesaurusTerm._meta.db_table
    config = f"'{SEARCH_CONFIG}'::regconfig"
    min_length = int(limits.typo_min_length)
    similarity = float(limits.typo_similarity)
    return f"""
    {name}_unknown AS MATERIALIZED (
        SELECT w.src_id, w.word, w.lexeme FROM (
            SELECT DISTINCT x.id AS src_id, tw.word,
                   (tsvector_to_array(to_tsvector({config}, tw.word)))[1] AS lexeme
            FROM {offer} x CROSS JOIN LATERAL {_words("x.title")} AS tw(word)
            WHERE {where} AND length(tw.word) >= {min_length} AND tw.word !~ '[0-9]'
        ) AS w
        WHERE w.lexeme IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {need} n
                          WHERE n.search_vector @@ ('''' || w.lexeme || '''')::tsquery)
          AND NOT EXISTS (SELECT 1 FROM {thesaurus} t WHERE w.lexeme = ANY(t.lexemes))
    ),
    {name}_fixes AS MATERIALIZED (
        SELECT u.src_id, u.lexeme AS typo, fix.word
        FROM {name}_unknown u
        CROSS JOIN LATERAL (
            SELECT cw.word
            FROM (SELECT n.title FROM {need} n
                  WHERE u.word <%% n.title AND {need_ok} LIMIT 20) AS t
            CROSS JOIN LATERAL {_words("t.title")} AS cw(word)
            WHERE cw.word <> u.word AND similarity(u.word, cw.word) >= {similarity}
            ORDER BY similarity(u.word, cw.word) DESC, cw.word
            LIMIT 1
        ) AS fix
    ),
    {name} AS MATERIALIZED (
        SELECT x.id,
               CASE WHEN f.src_id IS NULL THEN x.search_vector
                    ELSE ts_delete(x.search_vector, f.typos)
                         || setweight(to_tsvector({config}, f.words), 'A')
               END AS search_vector
        FROM {offer} x
        LEFT JOIN (
            SELECT src_id, array_agg(typo) AS typos, string_agg(word, ' ') AS words
            FROM {name}_fixes GROUP BY src_id
        ) AS f ON f.src_id = x.id
        WHERE {where}
    )"""  # noqa: S608
