"""Language analysis: lemmas (Italian, English, accents, plurals) and the thesaurus."""

from __future__ import annotations

import pytest

from needs import language
from needs.models import ThesaurusGroup, ThesaurusTerm
from needs.thesaurus import read_thesaurus


def test_lemmas_bring_italian_plurals_and_feminines_to_the_dictionary_form():
    assert language.lemmas("Laboratori per alunni") == ["laboratorio", "per", "alunno"]
    assert language.lemma("alimentari") == "alimentare"
    assert language.lemma("giacconi") == "giaccone"
    assert language.lemma("fresca") == "fresco"


def test_lemmas_read_english_too():
    assert language.lemmas("refurbished laptops") == ["refurbish", "laptop"]
    assert language.lemma("schools") == "school"


def test_case_and_accents_never_matter():
    assert language.normalise("CITTÀ Perché") == "citta perche"
    assert language.lemma_text("LABORATORI") == language.lemma_text("laboratori")


def test_lemma_text_keeps_only_lemmas_that_differ_once():
    text = language.lemma_text("Laboratori e laboratori nel laboratorio", "alunni")
    assert text == "laboratorio alunno"


def test_word_variants_of_a_query_word():
    assert language.word_variants("laboratori") == ["laboratori", "laboratorio"]
    assert language.word_variants("computer") == ["computer"]


def test_the_thesaurus_file_reads_groups_with_italian_and_english_terms():
    groups = {g.key: g for g in read_thesaurus()}
    laptops = groups["computer-portatili"].terms
    assert {"notebook", "laptop", "portatile", "PC", "computer", "PC portatile"} <= set(laptops)
    assert laptops["laptop"] == "en"
    for key in ("tablet", "cibo", "murales", "doposcuola", "astronomia", "alberi"):
        assert key in groups
    # The plan's intervention areas all have their vocabulary.
    for key in (
        "poverta-alimentare",
        "poverta-digitale",
        "quartiere-15-minuti",
        "scuole-svantaggiate",
        "verde",
        "stem",
        "economia-circolare",
    ):
        assert key in groups


@pytest.mark.django_db
def test_thesaurus_links_find_single_and_multi_word_terms_in_any_form(thesaurus):
    links = {link.found: link for link in language.thesaurus_links("40 Notebook ricondizionati")}
    assert "notebook" in links
    assert "PC portatile" in links["notebook"].terms

    found = {link.found for link in language.thesaurus_links("Pitture murali nel cortile")}
    assert "pittura murale" in found

    found = {link.found for link in language.thesaurus_links("Refurbished LAPTOPS")}
    assert "laptop" in found


@pytest.mark.django_db
def test_a_new_term_counts_at_once(thesaurus):
    assert not language.thesaurus_links("caschetti protettivi")
    group = ThesaurusGroup.objects.create(key="caschi", name="Caschi")
    ThesaurusTerm.objects.create(group=group, term="caschetto")
    ThesaurusTerm.objects.create(group=group, term="casco")

    [link] = [x for x in language.thesaurus_links("caschetti protettivi") if x.group_id == group.pk]
    assert link.terms == ("caschetto", "casco")
