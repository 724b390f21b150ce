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
