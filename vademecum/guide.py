"""The guide that picks the instrument: questions, ordered rules and warnings (pure logic).

The first rule whose ``when`` matches wins; every matching warning is shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .placeholders import DATA_DIR


@cache
def guide() -> dict[str, Any]:
    with (DATA_DIR / "guide.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def questions() -> list[dict[str, Any]]:
    return list(guide()["questions"])


def _matches(when: Mapping[str, list[str]], answers: Mapping[str, str]) -> bool:
    return all(answers.get(question) in accepted for question, accepted in when.items())


@dataclass(frozen=True)
class Recommendation:
    rule: dict[str, Any]
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def slugs(self) -> list[str]:
        return list(self.rule.get("recommend") or [])

    @property
    def warning_keys(self) -> list[str]:
        return [warning["key"] for warning in self.warnings]


def recommend(answers: Mapping[str, str]) -> Recommendation | None:
    """The winning rule and every applicable warning; None if no rule matches."""
    data = guide()
    for rule in data["rules"]:
        if _matches(rule["when"], answers):
            warnings = [w for w in data["warnings"] if _matches(w["when"], answers)]
            return Recommendation(rule=rule, warnings=warnings)
    return None


def valid_answers(raw: Mapping[str, Any]) -> dict[str, str]:
    """Keep only answers that are options of their question (bad input is dropped)."""
    answers = {}
    for question in questions():
        value = raw.get(question["key"])
        if value in {option["value"] for option in question["options"]}:
            answers[question["key"]] = str(value)
    return answers


def prefill(*, resource_kind: str, organisation_kind: str) -> dict[str, str]:
    """The answers the portal can propose from the offer's resource kind and organisation."""
    sources = {"Offer.resource_kind": resource_kind, "Organisation.kind": organisation_kind}
    answers = {}
    for item in guide()["prefill"]:
        value = item["map"].get(sources.get(item["source"], ""))
        if value:
            answers[item["question"]] = value
    return answers
