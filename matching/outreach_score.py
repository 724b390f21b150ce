"""Outreach suggestions for a new need: organisations whose interests include the need's
intervention area, scored on place and history with the same parts as a match
(``matching.engine``)."""

from __future__ import annotations

from dataclasses import dataclass

from .engine import REASONS, SCORE_VERSION, WEIGHTS, Candidate, Weights, history_part, place_part


@dataclass(frozen=True)
class OutreachCandidate:
    """An organisation whose interests include the need's intervention area."""

    organisation_id: int
    need_neighbourhood_id: int | None
    need_municipio_ids: frozenset[int]
    preferred_neighbourhood_ids: frozenset[int] = frozenset()
    preferred_municipio_ids: frozenset[int] = frozenset()
    history_completed: int = 0
    history_agreed: int = 0


def outreach_score(c: OutreachCandidate, weights: Weights = WEIGHTS) -> tuple[float, dict]:
    """Score an organisation for outreach on a need; returns (score, reason JSON)."""
    place = Candidate(
        offer_id=0,
        need_id=0,
        offer_neighbourhood_ids=c.preferred_neighbourhood_ids,
        offer_municipio_ids=c.preferred_municipio_ids,
        need_neighbourhood_id=c.need_neighbourhood_id,
        need_municipio_ids=c.need_municipio_ids,
        history_completed=c.history_completed,
        history_agreed=c.history_agreed,
    )
    place_p = place_part(place, weights)
    history_p = history_part(place, weights)
    total = min(
        1.0,
        max(
            0.0,
            weights.outreach_base
            + weights.outreach_place * place_p.value
            + weights.outreach_history * history_p.value,
        ),
    )
    reason = {
        "version": SCORE_VERSION,
        "total": round(total, 4),
        "reasons": [
            {"reason": REASONS["outreach_interest"], "params": {}},
            {"reason": REASONS[place_p.reason], "params": dict(place_p.params or {})},
            {"reason": REASONS[history_p.reason], "params": dict(history_p.params or {})},
        ],
    }
    return total, reason
