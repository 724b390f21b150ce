"""What the API takes as text: strings only.

DRF turns a JSON number into text (``"legal_name": 0`` becomes ``"0"``), so a request the
schema calls invalid would be stored. Every serializer's text field refuses it instead, with
DRF's own "Not a valid string." message, in one place for every app.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

_original_to_internal_value = serializers.CharField.to_internal_value


def _text_only(self: serializers.CharField, data: Any) -> str:
    if not isinstance(data, str):
        self.fail("invalid")
    return _original_to_internal_value(self, data)


def refuse_numbers_for_text() -> None:
    serializers.CharField.to_internal_value = _text_only  # type: ignore[method-assign]
