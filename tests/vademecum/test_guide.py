"""The guide gives, for every worked case of guide.json, the expected templates and warnings."""

from __future__ import annotations

import pytest

from vademecum import guide

CASES = guide.guide()["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["description"]["en"][:60] for case in CASES])
def test_guide_recommends_the_expected_templates_and_warnings(case):
    result = guide.recommend(case["answers"])
    assert result is not None
    assert result.slugs == case["expected"]
    assert sorted(result.warning_keys) == sorted(case["warnings"])


def test_prefill_from_the_offer_and_the_organisation():
    assert guide.prefill(resource_kind="funding", organisation_kind="company") == {
        "resource": "money",
        "money_flow": "partner_to_city",
        "counterpart_public": "no",
    }
    # A university is left to the account manager.
    assert "counterpart_public" not in guide.prefill(
        resource_kind="goods", organisation_kind="university"
    )


def test_guide_page_shows_the_recommendation_and_why(client, vademecum):
    case = CASES[0]
    response = client.get("/vademecum/guide/", case["answers"])
    assert response.status_code == 200
    body = response.content.decode()
    for slug in case["expected"]:
        assert f'data-slug="{slug}"' in body


def test_guide_page_with_bad_answers_is_not_an_error(client, vademecum):
    response = client.get("/vademecum/guide/", {"resource": "gold", "value_band": "<x>"})
    assert response.status_code == 200
    assert "guide-answer" not in response.content.decode()
