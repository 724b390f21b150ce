"""Outreach: organisations interested in a need's area that no open match links to it yet,
with the facts the outreach score needs (one query, built from retrieval's pieces)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from . import retrieval
from .engine import LIMITS, Limits
from .outreach_score import OutreachCandidate


@dataclass(frozen=True)
class OutreachTarget:
    need_id: int
    qualifies: bool
    candidates: list[OutreachCandidate]


@cache
def outreach_sql(limits: Limits = LIMITS) -> str:
    t = retrieval.tables()
    sql = f"""
    WITH need_facts AS MATERIALIZED ({retrieval.need_facts("n.id = %(need_id)s")}),
    orgs AS (
        SELECT g.id,
               ARRAY(SELECT pn.neighbourhood_id FROM {t["org_nils"]} pn
                     WHERE pn.organisation_id = g.id) AS nil_ids,
               ARRAY(SELECT pm.municipio_id FROM {t["org_municipi"]} pm
                     WHERE pm.organisation_id = g.id) AS municipio_ids
        FROM {t["org"]} g
        JOIN {t["org_interests"]} i ON i.organisation_id = g.id
        CROSS JOIN need_facts nf
        WHERE nf.ok AND i.interventionarea_id = nf.area_id AND g.merged_into_id IS NULL
          AND NOT EXISTS (
              SELECT 1 FROM {t["match"]} m JOIN {t["offer"]} o ON o.id = m.offer_id
              WHERE m.need_id = nf.id AND o.organisation_id = g.id
                AND m.stage = ANY(%(open_stages)s))
    ),
    ranked AS (
        SELECT orgs.*,
               (nf.neighbourhood_id = ANY(orgs.nil_ids)) AS same_nil,
               (orgs.municipio_ids && nf.municipio_ids) AS same_municipio,
               (cardinality(orgs.nil_ids) = 0 AND cardinality(orgs.municipio_ids) = 0) AS anywhere
        FROM orgs CROSS JOIN need_facts nf
        ORDER BY same_nil DESC NULLS LAST, same_municipio DESC NULLS LAST,
                 anywhere DESC, orgs.id
        LIMIT %(outreach_candidates)s
    ),
    history AS ({
        retrieval.history(
            "n.department_id = (SELECT department_id FROM need_facts)"
            " AND o.organisation_id IN (SELECT id FROM ranked)"
        )
    })
    SELECT nf.id, nf.ok, nf.neighbourhood_id, nf.municipio_ids,
           r.id, r.nil_ids, r.municipio_ids, coalesce(h.completed, 0), coalesce(h.agreed, 0)
    FROM need_facts nf
    LEFT JOIN ranked r ON true
    LEFT JOIN history h ON h.organisation_id = r.id
    ORDER BY r.id"""  # noqa: S608
    return retrieval.inline(sql, limits)


def outreach_candidates(
    *, need_id: int, today: date, limits: Limits = LIMITS
) -> OutreachTarget | None:
    """Organisations interested in the need's area and not already matched to it."""
    params = retrieval.params(today, limits, need_id=need_id)
    records = retrieval.fetchall(outreach_sql(limits), params)
    if not records:
        return None
    first = records[0]
    candidates = [
        OutreachCandidate(
            organisation_id=r[4],
            need_neighbourhood_id=r[2],
            need_municipio_ids=frozenset(r[3] or ()),
            preferred_neighbourhood_ids=frozenset(r[5] or ()),
            preferred_municipio_ids=frozenset(r[6] or ()),
            history_completed=r[7],
            history_agreed=r[8],
        )
        for r in records
        if r[4] is not None
    ]
    return OutreachTarget(need_id=first[0], qualifies=bool(first[1]), candidates=candidates)
