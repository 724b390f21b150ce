"""Language analysis shared by the catalogue search and the matching engine.

Two layers meet in PostgreSQL's ``italian_unaccent`` configuration (Snowball stems,
accents and case removed):

- **Lemmas.** The Snowball stemmer alone does not bring every form of a word together
  ("laboratorio" -> ``laborator`` but "laboratori" -> ``labor``; "alimentari" and
  "alimentare" differ too). ``simplemma`` (Italian and English dictionaries) turns each word
  into its dictionary form ("laboratori" -> "laboratorio", "laptops" -> "laptop",
  "alunni" -> "alunno"); the lemmas that differ from the word as written are stored beside
  the text (``lemma_text``) and go into the same search document, stemmed like the rest,
  so a document holds the stems of its words and of their lemmas. A query is analysed the
  same way (``word_variants``): each of its words matches through its own stem or its
  lemma's.
- **Thesaurus.** Groups of equivalent Italian and English terms ("notebook", "laptop",
  "PC portatile", ...) kept in a table (``needs.models.ThesaurusTerm``, loaded from
  ``needs/data/thesaurus.csv``, edited in the admin). Each term keeps its query
  (``phraseto_tsquery``, so multi-word terms match as phrases), and a text is linked to a
  group when its search document matches one of the group's terms; the other terms then
  count as its words. Lookups go to the table every time (one small indexed query), so an
  edit in the admin takes effect at once, in every process. The matching engine reads the
  same table in its SQL (``matching/retrieval.py``, ``_links``), with the same rule.
- **Generic words.** A group marked ``generic`` ("scuola", "alunni", "famiglie") holds no
  synonyms: it links nothing, and the matching engine gives its words no weight in the
  text relevance (they say where or for whom, not what).

The API: ``lemma``/``lemmas``/``lemma_text`` and ``need_lemmas``/``offer_lemmas`` (what
the services store), ``search_query`` (the catalogue's query), ``thesaurus_links``,
``is_searchable`` and ``best_words`` (the "showing results for" guess).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import simplemma
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from contactpoint.search import SEARCH_CONFIG

from .models import ThesaurusGroup, ThesaurusTerm

# Italian first: the catalogue is written in Italian; English offers and queries follow.
LANGUAGES = ("it", "en")
# Words as the portal understands them: letters and digits, with inner apostrophes or
# hyphens dropped by the split below ("dell'alunno" -> "dell", "alunno").
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# A stored lemma document stays short whatever the text (a description is at most 5,000
# characters: about 800 words).
MAX_LEMMAS = 1000


def normalise(text: str) -> str:
    """Lower case without accents: how the portal compares words ("Città" -> "citta")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The words of a text, lower case, in order."""
    return _WORD.findall(text.casefold())


@lru_cache(maxsize=50_000)
def lemma(word: str) -> str:
    """The dictionary form of one lower-case word (Italian, then English), or the word.

    The dictionaries are fixed data, so remembering answers per process is safe.
    """
    if word.isdigit() or len(word) < 3:
        return word
    return simplemma.lemmatize(word, lang=LANGUAGES)


def lemmas(text: str) -> list[str]:
    """The lemma of each word of ``text``, in order."""
    return [lemma(word) for word in words(text)]


def lemma_text(*texts: str) -> str:
    """What is stored beside a text for its search document: the lemmas of its words that
    differ from the words as written (the written words are indexed already), each once."""
    seen: set[str] = set()
    kept: list[str] = []
    for text in texts:
        for word in words(text or ""):
            found = lemma(word)
            if found != word and normalise(found) != normalise(word) and found not in seen:
                seen.add(found)
                kept.append(found)
                if len(kept) >= MAX_LEMMAS:
                    return " ".join(kept)
    return " ".join(kept)


@dataclass(frozen=True)
class TextLemmas:
    """The stored lemma columns of a need or an offer: the title apart, as it weighs more."""

    title_lemmas: str
    text_lemmas: str


def need_lemmas(
    *, title: str, description: str, beneficiaries: str = "", school: str = ""
) -> TextLemmas:
    """The lemma columns for a need's text (``Need.title_lemmas``, ``Need.text_lemmas``)."""
    return TextLemmas(
        title_lemmas=lemma_text(title),
        text_lemmas=lemma_text(beneficiaries, school, description),
    )


def offer_lemmas(*, title: str, description: str) -> TextLemmas:
    """The lemma columns for an offer's text (``Offer.title_lemmas``, ``Offer.text_lemmas``)."""
    return TextLemmas(title_lemmas=lemma_text(title), text_lemmas=lemma_text(description))


# --- Queries --------------------------------------------------------------------------------


def word_variants(word: str) -> list[str]:
    """The forms a query word is searched under: as written and its lemma."""
    found = lemma(word.casefold())
    return [word] if normalise(found) == normalise(word) else [word, found]


@dataclass(frozen=True)
class Link:
    """A thesaurus link between a term found in a text and an equivalent term."""

    group_id: int
    found: str
    terms: tuple[str, ...]


def thesaurus_links(text: str) -> list[Link]:
    """The thesaurus groups the text mentions (one query): for each, the term found and
    every term of the group (generic groups are not synonyms and link nothing). Read from
    the table each time: edits apply at once."""
    text = " ".join(text.split())
    if not text:
        return []
    document = f"{text} {lemma_text(text)}"
    table = ThesaurusTerm._meta.db_table
    groups = ThesaurusGroup._meta.db_table
    sql = f"""
        WITH doc AS (SELECT to_tsvector(%s::regconfig, %s) AS v),
        found AS (
            SELECT DISTINCT ON (t.group_id) t.group_id, t.term
            FROM {table} t CROSS JOIN doc
            JOIN {groups} g ON g.id = t.group_id AND NOT g.generic
            WHERE numnode(t.query) > 0 AND doc.v @@ t.query
            ORDER BY t.group_id, numnode(t.query) DESC, t.term
        )
        SELECT f.group_id, f.term, array_agg(t.term ORDER BY t.term)
        FROM found f JOIN {table} t ON t.group_id = f.group_id
        GROUP BY f.group_id, f.term
        ORDER BY f.group_id"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [SEARCH_CONFIG, document])
        return [Link(group_id=g, found=f, terms=tuple(t)) for g, f, t in cursor.fetchall()]


def is_searchable(term: str) -> bool:
    """Does a thesaurus term keep at least one word once stop words are dropped?"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT numnode(phraseto_tsquery(%s::regconfig, %s)) > 0", [SEARCH_CONFIG, term]
        )
        return bool(cursor.fetchone()[0])


def _any_of(texts: Iterable[str], *, phrase: bool = False) -> SearchQuery | None:
    query: SearchQuery | None = None
    for text in texts:
        part = SearchQuery(text, config=SEARCH_CONFIG, search_type="phrase" if phrase else "plain")
        query = part if query is None else query | part
    return query


def _parse(text: str) -> tuple[list[str], list[str], list[str]]:
    """Web-search style input: "quoted phrases", -excluded words and plain words."""
    phrases = [p for p in re.findall(r'"([^"]*)"', text) if p.strip()]
    rest = re.sub(r'"[^"]*"?', " ", text)
    excluded: list[str] = []
    plain: list[str] = []
    for token in rest.split():
        if token.startswith("-") and len(token) > 1:
            excluded.extend(words(token[1:]))
        else:
            plain.extend(words(token))
    return phrases, excluded, plain


def search_query(text: str) -> SearchQuery | None:
    """The catalogue's query for what a person typed: every word must match (through its
    own stem, its lemma's, or a thesaurus term of a group it belongs to); "quoted phrases"
    match as phrases and -words exclude. None when nothing searchable is left.

    A multi-word thesaurus term ("pittura murale") counts as one word of the query, so
    "pittura murale" finds "murales" as well as needs with both words.
    """
    phrases, excluded, plain = _parse(text)
    links = thesaurus_links(" ".join(plain)) if plain else []
    # Units of the query, ANDed: a group found through some of the query's words stands for
    # those words (ORed with any other group found through one of them).
    units: list[tuple[set[str], SearchQuery]] = []
    for link in links:
        found_words = {normalise(w) for w in words(link.found)}
        mine = {w for w in plain if {normalise(w), normalise(lemma(w))} & found_words}
        condition = _any_of(link.terms, phrase=True)
        if condition is None or not mine:
            continue
        if len(found_words) == 1:
            for word in mine:
                condition = condition | _any_of(word_variants(word))  # type: ignore[operator]
        for i, (unit_words, unit_condition) in enumerate(units):
            if unit_words & mine:
                units[i] = (unit_words | mine, unit_condition | condition)
                break
        else:
            units.append((mine, condition))
    covered = {w for unit_words, _ in units for w in unit_words}
    query: SearchQuery | None = None
    for _, condition in units:
        query = condition if query is None else query & condition
    for word in plain:
        if word not in covered:
            part = _any_of(word_variants(word))
            if part is not None:
                query = part if query is None else query & part
    for phrase in phrases:
        part = _any_of([phrase], phrase=True)
        if part is not None:
            query = part if query is None else query & part
    for word in excluded:
        part = _any_of(word_variants(word))
        if part is not None and query is not None:
            query = query & ~part
    return query


def is_plain(text: str) -> bool:
    """Only words: no "quoted phrase" and no -exclusion (a typo fallback makes sense)."""
    phrases, excluded, plain = _parse(text)
    return bool(plain) and not phrases and not excluded and '"' not in text


def best_words(typed: Sequence[str], vocabulary: Iterable[str]) -> list[str]:
    """For "showing results for ...": each typed word replaced by the closest word of
    ``vocabulary`` (the titles found by similarity), or kept when none is close."""
    from difflib import get_close_matches

    candidates = sorted({w for text in vocabulary for w in words(text) if len(w) > 2})
    out = []
    for word in typed:
        close = get_close_matches(word.casefold(), candidates, n=1, cutoff=0.6)
        out.append(close[0] if close else word)
    return out
