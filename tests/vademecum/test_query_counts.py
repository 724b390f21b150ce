"""Query counts of the public vademecum pages and API, pinned."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from vademecum import services


def count(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def test_public_pages_and_api_query_counts(client, published, legal):
    draft = services.create_draft(version=published["pro-bono"], actor=legal)
    assert draft.number == 2
    # the template by slug, its public versions
    assert count(client, "/vademecum/pro-bono/") == 2
    # the template by slug, its public versions (for the choice and the comparison)
    assert count(client, "/vademecum/pro-bono/compare/", **{"from": 1, "to": 1}) == 2
    # published versions with their templates
    assert count(client, "/vademecum/companies/") == 1
    # templates, then their public versions (one prefetch)
    assert count(client, "/api/v1/vademecum/templates/") == 2
    # count for the page, the page of versions with their templates
    assert count(client, "/api/v1/vademecum/versions/") == 2
    # the guide's answer: the recommended templates by slug
    answers = {
        "counterpart_public": "no",
        "resource": "goods_given",
        "value_band": "up_to_40k",
        "wants_visibility": "no",
        "money_flow": "none",
        "duration": "one_off",
        "cultural_heritage": "no",
    }
    assert count(client, "/vademecum/guide/", **answers) == 1
