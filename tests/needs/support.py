"""Helpers shared by the needs tests."""

from __future__ import annotations

from typing import Any


def need_api_body(department, area, /, **overrides: Any) -> dict[str, Any]:
    """A valid body for ``POST /api/v1/needs/`` (12 tablets), with ``overrides``."""
    return {
        "department": department.slug,
        "area": area.slug,
        "title": "Tablet per la scuola",
        "description": "Servono tablet.",
        "resource_kind": "goods",
        "quantity": 12,
        "unit": "tablet",
        "beneficiaries": "Alunni",
        **overrides,
    }
