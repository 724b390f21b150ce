"""Showing a stored score breakdown (``Match.score_parts``, outreach reasons) in the
user's language: the msgids written by ``matching.engine`` are translated when shown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext


def _translate(msgid: str, params: Mapping[str, Any] | None) -> str:
    text = gettext(msgid) if msgid else ""
    if params:
        translated = {
            key: gettext(value) if isinstance(value, str) else value
            for key, value in params.items()
        }
        try:
            return text % translated
        except (KeyError, TypeError, ValueError):
            return text
    return text.replace("%%", "%")


def explain(score_parts: Mapping[str, Any] | None) -> list[tuple[str, float, float]]:
    """The breakdown as (translated label, value 0..1, contribution to the score), in the
    order the parts were computed. A match without a breakdown explains nothing."""
    parts = (score_parts or {}).get("parts") or []
    return [
        (gettext(part.get("label", "")), part.get("value", 0.0), part.get("contribution", 0.0))
        for part in parts
    ]


def describe(score_parts: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Like ``explain`` with the translated reason and the weight, for a detailed view."""
    parts = (score_parts or {}).get("parts") or []
    return [
        {
            "key": part.get("key", ""),
            "label": gettext(part.get("label", "")),
            "reason": _translate(part.get("reason", ""), part.get("params")),
            "value": part.get("value", 0.0),
            "weight": part.get("weight", 0.0),
            "contribution": part.get("contribution", 0.0),
        }
        for part in parts
    ]


def describe_outreach(reason: Mapping[str, Any] | None) -> list[str]:
    """The translated reasons of an outreach suggestion."""
    return [
        _translate(item.get("reason", ""), item.get("params"))
        for item in (reason or {}).get("reasons", [])
    ]
