"""Matching services. Each takes ids or objects, runs in one transaction, writes the audit."""

from __future__ import annotations


def match_offer_by_id(offer_id: int) -> None:
    """Hook: called by the ``matching.match_offer`` task for every accepted offer."""


def match_need_by_id(need_id: int) -> None:
    """Hook: called by the ``matching.match_need`` task for every published need."""
