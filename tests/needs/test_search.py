"""Full-text search: Italian stemming, accents ignored, ranked, same on HTML and API."""

from __future__ import annotations

import pytest

from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


def html_titles(client, q, **filters):
    response = client.get("/needs/", {"q": q, **filters})
    assert response.status_code == 200
    return [need.title for need in response.context["page"]]


def api_titles(client, q):
    response = client.get("/api/v1/needs/", {"q": q})
    assert response.status_code == 200
    return [item["title"] for item in response.json()["results"]]


def test_plural_finds_singular_portatili_finds_portatile(client):
    NeedFactory(title="PC portatile per alunni")
    NeedFactory(title="Pacchi alimentari")

    assert html_titles(client, "portatili") == ["PC portatile per alunni"]
    assert api_titles(client, "portatili") == ["PC portatile per alunni"]


def test_search_ignores_accents_citta_finds_citta(client):
    NeedFactory(title="Orti in città", description="Verde urbano")
    NeedFactory(title="Laboratori STEM")

    assert html_titles(client, "citta") == ["Orti in città"]
    assert html_titles(client, "CITTÀ") == ["Orti in città"]
    assert api_titles(client, "citta") == ["Orti in città"]


def test_search_reads_description_and_school_and_ranks_titles_first(client):
    NeedFactory(title="Laboratori", description="Per la scuola Sottocorno di Rogoredo")
    NeedFactory(title="Murale alla scuola Sottocorno", description="Due giornate")

    titles = html_titles(client, "sottocorno")

    assert titles == ["Murale alla scuola Sottocorno", "Laboratori"]


def test_search_combines_with_filters_and_never_shows_drafts(client):
    NeedFactory(title="Computer per alunni", resource_kind="goods")
    NeedFactory(title="Computer: corso di formazione", resource_kind="expertise")
    NeedFactory(title="Computer in bozza", status="draft")

    assert html_titles(client, "computer", resource_kind="expertise") == [
        "Computer: corso di formazione"
    ]
    assert sorted(api_titles(client, "computer")) == [
        "Computer per alunni",
        "Computer: corso di formazione",
    ]


@pytest.mark.parametrize("q", ['"', "'", "&|!", "(", "-", "a:*", "\\", "    "])
def test_odd_search_text_never_fails(client, q):
    NeedFactory(title="Computer")
    assert client.get("/needs/", {"q": q}).status_code == 200
    assert client.get("/api/v1/needs/", {"q": q}).status_code == 200


def test_laboratorio_and_laboratori_find_the_same_needs(client, thesaurus):
    NeedFactory(title="Laboratori STEM nelle scuole")
    NeedFactory(title="Un laboratorio di robotica")
    NeedFactory(title="Pacchi alimentari")

    expected = ["Laboratori STEM nelle scuole", "Un laboratorio di robotica"]
    assert sorted(html_titles(client, "laboratorio")) == expected
    assert sorted(html_titles(client, "laboratori")) == expected
    assert sorted(api_titles(client, "Laboratorio")) == expected


def test_murales_finds_murale_and_alimentare_finds_alimentari(client, thesaurus):
    NeedFactory(title="Murale alla scuola Sottocorno")
    NeedFactory(title="Pacchi alimentari per famiglie")

    assert html_titles(client, "murales") == ["Murale alla scuola Sottocorno"]
    assert html_titles(client, "alimentare") == ["Pacchi alimentari per famiglie"]


def test_thesaurus_finds_synonyms_english_and_multi_word_terms(client, thesaurus):
    NeedFactory(title="40 PC portatili per alunni")
    NeedFactory(title="Pittura murale nel cortile")
    NeedFactory(title="Giacconi per l'inverno")

    assert html_titles(client, "notebook") == ["40 PC portatili per alunni"]
    assert html_titles(client, "laptops") == ["40 PC portatili per alunni"]
    assert html_titles(client, "murales") == ["Pittura murale nel cortile"]
    assert html_titles(client, "cappotti") == ["Giacconi per l'inverno"]
    # Every word still counts: a synonym does not widen the other words.
    assert html_titles(client, "notebook alunni") == ["40 PC portatili per alunni"]
    assert html_titles(client, "notebook anziani") == []


def test_quoted_phrases_and_exclusions_still_work(client, thesaurus):
    NeedFactory(title="Computer per la scuola")
    NeedFactory(title="Scuola di computer")

    assert html_titles(client, '"computer per la scuola"') == ["Computer per la scuola"]
    assert html_titles(client, "scuola -computer") == []


def test_a_typo_falls_back_to_similar_titles_and_says_so(client, thesaurus):
    NeedFactory(title="Laboratori di astronomia")
    NeedFactory(title="Pacchi alimentari")

    response = client.get("/needs/", {"q": "astronomai"})

    assert [n.title for n in response.context["page"]] == ["Laboratori di astronomia"]
    assert response.context["suggestion"] == "astronomia"
    text = response.content.decode()
    assert "Nessun fabbisogno aperto contiene esattamente “astronomai”." in text
    assert "Risultati per “astronomia”." in text


def test_nothing_similar_says_nothing_was_found(client, thesaurus):
    NeedFactory(title="Pacchi alimentari")

    response = client.get("/needs/", {"q": "zzzqqq"})

    assert list(response.context["page"]) == []
    assert response.context["similar_to"] == ""


def test_a_thesaurus_edit_takes_effect_for_search_at_once(client, thesaurus):
    from needs.models import ThesaurusGroup, ThesaurusTerm

    NeedFactory(title="Monopattini per i ragazzi")
    assert html_titles(client, "scooter") == []

    group = ThesaurusGroup.objects.create(key="monopattini", name="Monopattini")
    ThesaurusTerm.objects.create(group=group, term="monopattino")
    ThesaurusTerm.objects.create(group=group, term="scooter", language="en")

    assert html_titles(client, "scooter") == ["Monopattini per i ragazzi"]
