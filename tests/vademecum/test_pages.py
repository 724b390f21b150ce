"""Public pages: the list, a template in both languages, its history, the clause-by-clause
difference between two versions, the blank PDF and the companies' edition."""

from __future__ import annotations

import copy
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from vademecum import diff, loading, services


@pytest.fixture
def second_version(published, legal):
    draft = services.create_draft(version=published["comodato-uso"], actor=legal)
    clauses = copy.deepcopy(draft.clauses)
    clauses[1]["body"]["it"] = clauses[1]["body"]["it"].replace("gratuito", "gratuito e revocabile")
    clauses[1]["body"]["en"] += " The loan may be revoked."
    removed = clauses.pop(2)
    clauses.append(
        {
            "key": "custodia",
            "heading": {"it": "Custodia", "en": "Custody"},
            "body": {"it": "Il Comune custodisce i beni.", "en": "The City keeps the goods."},
        }
    )
    draft = services.update_draft(
        version=draft, clauses=clauses, changelog="Comodato revocabile", actor=legal
    )
    services.approve(version=draft, actor=legal)
    services.publish(version=draft, actor=legal)
    return draft, removed


def test_index_lists_every_published_template_with_the_notice(client, published):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/vademecum/")
    body = response.content.decode()
    assert response.status_code == 200
    for slug in published:
        assert f"/vademecum/{slug}/" in body
    assert 'data-testid="sample-notice"' in body
    # session-less anonymous page: the published versions with their templates, one query
    assert len(queries) == 1


def test_detail_in_italian_and_english(client, published):
    italian = client.get("/vademecum/donazione-beni/", HTTP_ACCEPT_LANGUAGE="it")
    assert "Parti e premesse" in italian.content.decode()
    client.cookies.load({"django_language": "en"})
    english = client.get("/vademecum/donazione-beni/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Parties and recitals" in english.content.decode()


def test_unknown_or_draft_versions_are_not_public(client, published, legal):
    draft = services.create_draft(version=published["pro-bono"], actor=legal)
    assert client.get("/vademecum/nope/").status_code == 404
    assert client.get(f"/vademecum/pro-bono/?version={draft.number}").status_code == 404
    assert client.get(f"/vademecum/pro-bono/v{draft.number}/pdf/").status_code == 404
    assert client.get("/vademecum/pro-bono/compare/?from=1&to=2").status_code == 404


def test_clause_by_clause_diff(published, second_version):
    draft, removed = second_version
    changes = {
        c.key: c
        for c in diff.clause_diff(published["comodato-uso"].clauses, draft.clauses, language="it")
    }
    assert changes["oggetto"].change == "changed"
    assert (
        "<ins>e revocabile </ins>" in changes["oggetto"].html or "<ins>" in changes["oggetto"].html
    )
    assert changes["custodia"].change == "added"
    assert changes[removed["key"]].change == "removed"
    assert changes["controversie"].change == "same"
    assert "<ins>" not in changes["controversie"].html


def test_diff_escapes_html():
    html = diff.word_diff("a <b>", "a <i> & c")
    assert "<i>" not in html and "&lt;i&gt;" in html


def test_compare_page_and_history(client, second_version):
    response = client.get("/vademecum/comodato-uso/compare/?from=1&to=2")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-change="added"' in body and 'data-change="removed"' in body
    detail = client.get("/vademecum/comodato-uso/").content.decode()
    assert "Comodato revocabile" in detail  # changelog in the history
    old = client.get("/vademecum/comodato-uso/?version=1")
    assert old.status_code == 200


def test_blank_template_pdf(client, published):
    response = client.get("/vademecum/sponsorizzazione/v1/pdf/")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "[Denominazione o ragione sociale]" in " ".join(text.split())


def test_companies_edition_lists_documents_to_prepare(client, published):
    body = client.get("/vademecum/companies/").content.decode()
    assert all(f"edition-{slug}" in body for slug in published)


def test_public_api_and_schema(client, published, legal):
    services.create_draft(version=published["pro-bono"], actor=legal)
    templates = client.get("/api/v1/vademecum/templates/").json()
    assert len(templates) == 8
    assert all(t["published_version"] == 1 for t in templates)
    versions = client.get("/api/v1/vademecum/versions/", {"template": "pro-bono"}).json()
    assert [v["status"] for v in versions["results"]] == ["published"]  # the draft stays private
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/vademecum/agreements/" in schema
    assert "/api/v1/vademecum/templates/" in schema


def test_load_is_idempotent(published):
    assert loading.load_vademecum() == 0
