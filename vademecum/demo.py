"""The vademecum's demo hook for ``seed_demo``: the eight templates, version 1 published."""

from __future__ import annotations

from .loading import load_vademecum


def load() -> int:
    return load_vademecum()
