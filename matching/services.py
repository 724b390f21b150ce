"""Matching services: find and score matches, move quantities between offers and needs.

Each service runs in one transaction and writes the audit trail (``log_action``) in it.

Re-matching is idempotent. ``match_offer``/``match_need`` upsert on the unique pair
(offer, need), so running them twice creates nothing new; each run also re-scores every
open match of the offer (or need). The rules for existing matches:

* open matches (proposed ... in delivery) get their score and breakdown updated, nothing
  else: stage, manager, quantity stay as people left them;
* a match still "proposed" or "assigned" (nobody has contacted the stakeholder yet) whose
  need or offer no longer qualifies (need covered, closed or past its date; offer withdrawn,
  used up or no longer available) is moved to "expired", with a timeline event and an audit
  entry; later stages are left to the account manager;
* closed matches (completed, declined, withdrawn, expired) are final: a pair once declined
  is never proposed again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contactpoint.audit import acting_user, log_action
from needs.models import Need
from stakeholders.models import Offer

from . import engine, outreach, retrieval
from .lifecycle import transition
from .models import OPEN_STAGES, IntakeItem, Match, OutreachSuggestion, Stage
from .outreach_score import outreach_score
from .routing import route_offer_matches

logger = logging.getLogger(__name__)

# Stages in which a match nobody has worked yet may be expired by re-matching.
UNWORKED_STAGES = (Stage.PROPOSED, Stage.ASSIGNED)


def context() -> engine.Context:
    now = timezone.now()
    return engine.Context(
        today=timezone.localdate(now), now=now, stale_after_days=settings.NEED_STALE_AFTER_DAYS
    )


# --- Finding matches --------------------------------------------------------------------


def match_offer_by_id(offer_id: int) -> list[Match]:
    """Called by the ``matching.match_offer`` task; a deleted offer is quietly skipped."""
    offer = Offer.objects.filter(pk=offer_id).only("pk", "title").first()
    if offer is None:
        return []
    return match_offer(offer=offer)


def match_need_by_id(need_id: int) -> list[Match]:
    """Called by the ``matching.match_need`` task; a deleted need is quietly skipped."""
    need = Need.objects.filter(pk=need_id).only("pk", "title").first()
    if need is None:
        return []
    return match_need(need=need)


def match_offer(*, offer: Offer, actor: Any = None, route: bool = True) -> list[Match]:
    """Propose the needs that best fit ``offer`` and re-score its open matches.

    Returns the offer's matches written by this run (new and re-scored), best first. New
    matches are routed to an account manager in the same transaction (``route=False``
    leaves them proposed and unassigned: benchmarks and tests of the engine alone).
    """
    ctx = context()
    rows = retrieval.offer_candidates(offer_id=offer.pk, today=ctx.today)
    matches = _apply(
        rows, ctx=ctx, subject=offer, action="matching.offer.matched", actor=actor, route=route
    )
    sync_intake(offer_id=offer.pk, matched=any(_routed(m) for m in matches), actor=actor)
    return matches


def match_need(*, need: Need, actor: Any = None, route: bool = True) -> list[Match]:
    """Propose the open offers that best fit ``need``, re-score its open matches and
    refresh the organisations suggested for outreach."""
    ctx = context()
    rows = retrieval.need_candidates(need_id=need.pk, today=ctx.today)
    matches = _apply(
        rows, ctx=ctx, subject=need, action="matching.need.matched", actor=actor, route=route
    )
    # An offer waiting in the intake list that this need fits leaves it.
    for offer_id in sorted(
        {m.offer_id for m in matches if getattr(m, "inserted", False) and _routed(m)}
    ):
        sync_intake(offer_id=offer_id, matched=True, actor=actor)
    suggest_outreach(need=need, actor=actor)
    return matches


def rescore_open_matches(
    *,
    offer: Offer | None = None,
    need: Need | None = None,
    matches: Iterable[Match] | None = None,
    actor: Any = None,
) -> list[Match]:
    """Re-score the open matches of an offer or a need (or the given matches) without
    looking for new ones; unworked matches that no longer qualify expire."""
    queryset = Match.objects.open()
    if offer is not None:
        queryset = queryset.filter(offer=offer)
    if need is not None:
        queryset = queryset.filter(need=need)
    if matches is not None:
        queryset = queryset.filter(pk__in=[m.pk for m in matches])
    elif offer is None and need is None:
        raise ValueError("rescore_open_matches needs an offer, a need or matches")
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        return []
    ctx = context()
    rows = retrieval.pair_candidates(match_ids=ids, today=ctx.today)
    subject = offer or need
    return _apply(
        rows,
        ctx=ctx,
        subject=subject,
        action=f"matching.{subject._meta.model_name if subject else 'match'}.rescored",
        actor=actor,
        propose_new=False,
    )


def rematch_offers(
    *, offer_ids: Sequence[int] | None = None, actor: Any = None, route: bool = True
) -> int:
    """Re-match the given offers (default: every open offer with quantity left), one
    transaction per offer so a long run holds no lock for long. Returns how many ran."""
    if offer_ids is None:
        offer_ids = list(
            Offer.objects.open()
            .filter(quantity_open__gt=0)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    count = 0
    for start in range(0, len(offer_ids), 500):
        chunk = Offer.objects.filter(pk__in=offer_ids[start : start + 500]).only("pk", "title")
        for offer in chunk.order_by("pk"):
            match_offer(offer=offer, actor=actor, route=route)
            count += 1
    return count


def _apply(
    rows: list[retrieval.Row],
    *,
    ctx: engine.Context,
    subject: Any,
    action: str,
    actor: Any,
    propose_new: bool = True,
    route: bool = True,
) -> list[Match]:
    """Turn retrieved rows into writes: new matches, re-scored ones, expired ones."""
    # A closed pair is final; everything else is scored.
    live = [row for row in rows if not row.has_closed_match]
    to_write: dict[tuple[int, int], tuple[engine.Candidate, engine.Score]] = {}
    to_expire: list[retrieval.Row] = []
    to_irrelevant: list[retrieval.Row] = []

    scored: list[tuple[engine.Candidate, engine.Score]] = []
    for row in live:
        if row.has_open_match and not row.qualifies and row.match_stage in UNWORKED_STAGES:
            to_expire.append(row)
            continue
        if not row.has_open_match and not (propose_new and row.qualifies):
            continue
        c = row.candidate
        result = engine.score(c, ctx)
        if row.has_open_match and not result.eligible and row.match_stage in UNWORKED_STAGES:
            # Nobody has worked it yet and it no longer passes the relevance gate (the
            # texts or the gate changed): it goes, like a pair that no longer qualifies.
            to_irrelevant.append(row)
            continue
        if row.has_open_match:
            to_write[(c.offer_id, c.need_id)] = (c, result)
        if row.qualifies:
            scored.append((c, result))

    if propose_new:
        # The best pairs, counting the open matches: a second run proposes nothing new.
        for candidate, result in engine.best(scored):
            to_write.setdefault((candidate.offer_id, candidate.need_id), (candidate, result))

    # The offer whose run this is gets its waiting candidates topped up to the cap even
    # when nothing new was found (a routed match declined since frees a slot).
    top_up = subject.pk if propose_new and isinstance(subject, Offer) else None
    if not to_write and not to_expire and not to_irrelevant:
        return []

    with transaction.atomic():
        matches = _upsert(
            sorted(to_write.values(), key=lambda item: (item[0].offer_id, item[0].need_id))
        )
        # When and why each match was proposed is in the audit entry below and in the
        # match itself (created, score breakdown); the timeline starts with its routing.
        new = [m for m in matches if m.inserted]  # type: ignore[attr-defined]
        # Expired first: a routed match that goes frees its slot for this run's routing.
        expired = _expire(to_expire, actor=actor)
        expired += _expire(
            to_irrelevant,
            actor=actor,
            note=gettext("Expired by re-matching: the texts no longer show that the offer fits."),
        )
        routed, others = _route_within_cap(new, top_up=top_up, route=route, actor=actor)
        if route and routed:
            matches = _reload(matches, new_ids={m.pk for m in new})
        else:
            held = set(others)
            for match in matches:
                match.other_candidate = match.pk in held or (
                    match.other_candidate and match.pk not in routed
                )
        log_action(
            actor=actor,
            action=action,
            obj=subject,
            payload={
                "created": sorted(m.pk for m in new),
                "rescored": len(matches) - len(new),
                "expired": expired,
                "routed": routed,
                "other_candidates": others,
            },
        )
    matches.sort(key=lambda m: (-m.score, -m.pk))
    return matches


# Per-row values of a new match; every other column gets its model default.
_ROW_COLUMNS = ("offer_id", "need_id", "score", "score_parts", "quantity")
_NOW_COLUMNS = ("created_at", "updated_at", "stage_changed_at")


@cache
def _upsert_sql() -> tuple[str, tuple[str, ...]]:
    """The upsert statement, built from the model so a field added later (with a default)
    needs no change here, and the columns it returns, in order."""
    table = Match._meta.db_table
    fields = [f for f in Match._meta.concrete_fields if not f.primary_key]
    columns, values = [], []
    for field in fields:
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in _ROW_COLUMNS:
            values.append(f"t.{field.attname}")
        elif field.attname in _NOW_COLUMNS:
            values.append("%(now)s")
        else:
            # Typed: a NULL parameter in a SELECT list would otherwise be text.
            values.append(f"%(default_{field.attname})s::{field.db_type(connection)}")
    returned = tuple(f.attname for f in Match._meta.concrete_fields)
    returning = ", ".join(
        f"{table}.{connection.ops.quote_name(f.column)}" for f in Match._meta.concrete_fields
    )
    sql = f"""
        INSERT INTO {table} ({", ".join(columns)})
        SELECT {", ".join(values)}
        FROM jsonb_to_recordset(%(rows)s::jsonb)
             AS t(offer_id bigint, need_id bigint, score float8, score_parts jsonb,
                  quantity integer)
        ORDER BY t.offer_id, t.need_id
        ON CONFLICT (offer_id, need_id) DO UPDATE
           SET score = EXCLUDED.score, score_parts = EXCLUDED.score_parts,
               updated_at = EXCLUDED.updated_at
         WHERE {table}.stage = ANY(%(open_stages)s::text[])
        RETURNING {returning}, (xmax = 0) AS inserted"""  # noqa: S608 (names from _meta)
    return sql, returned


@cache
def _defaults() -> dict[str, Any]:
    return {
        f"default_{field.attname}": field.get_db_prep_save(field.get_default(), connection)
        for field in Match._meta.concrete_fields
        if not field.primary_key
        and field.attname not in _ROW_COLUMNS
        and field.attname not in _NOW_COLUMNS
    }


def _upsert(items: list[tuple[engine.Candidate, engine.Score]]) -> list[Match]:
    """One INSERT ... ON CONFLICT for all pairs (a prepared statement: its shape never
    changes); returns the rows as matches with ``inserted`` set.

    Existing rows only get the new score (and only while open): stage, manager and
    quantity belong to the people working the match.
    """
    if not items:
        return []
    sql, returned = _upsert_sql()
    # All the rows in one JSON document: one parameter, nothing escaped element by element.
    rows = [
        {
            "offer_id": c.offer_id,
            "need_id": c.need_id,
            "score": s.total,
            "score_parts": s.as_json(),
            "quantity": max(0, min(c.offer_quantity_open, c.need_quantity_open)),
        }
        for c, s in items
    ]
    params = {
        "now": timezone.now(),
        "rows": json.dumps(rows, separators=(",", ":")),
        "open_stages": [str(s) for s in OPEN_STAGES],
        **_defaults(),
    }
    matches = []
    for row in retrieval.fetchall(sql, params):
        match = Match.from_db(connection.alias, returned, row[:-1])
        # The raw cursor hands jsonb back as text; the model's field converters did not run.
        for name in ("score_parts", "routing_reason"):
            if isinstance(getattr(match, name), str):
                setattr(match, name, json.loads(getattr(match, name)))
        match.inserted = row[-1]  # type: ignore[attr-defined]
        matches.append(match)
    return matches


def _expire(rows: list[retrieval.Row], *, actor: Any, note: str = "") -> list[int]:
    """Move unworked matches whose pair no longer qualifies to "expired".

    Goes through the lifecycle (``matching.lifecycle.transition``: timeline event, audit,
    offer status, the manager's digest). Each match is locked and checked
    again first: one that somebody has started working meanwhile is left alone.
    """
    if not rows:
        return []

    note = note or gettext("Expired by re-matching: the need or the offer no longer qualifies.")
    expired = []
    for row in sorted(rows, key=lambda r: r.match_id or 0):
        if row.match_id is None:
            continue
        match = Match.objects.select_for_update().filter(pk=row.match_id).first()
        if match is None or match.stage not in UNWORKED_STAGES:
            continue
        transition(match=match, to_stage=Stage.EXPIRED, actor=None, note=note)
        expired.append(match.pk)
    return expired


def _route_within_cap(
    new: Sequence[Match], *, top_up: int | None, route: bool, actor: Any
) -> tuple[list[int], list[int]]:
    """Route the best of each offer's waiting matches within the cap and margin
    (``matching.routing.route_offer_matches``); the rest stay other candidates.

    Runs inside the matching transaction, so a routing failure rolls the run back and the
    task retries it whole. Returns the ids routed now and those kept aside.
    """

    by_offer: dict[int, set[int]] = {}
    for match in new:
        by_offer.setdefault(match.offer_id, set()).add(match.pk)
    if top_up is not None:
        by_offer.setdefault(top_up, set())
    routed: list[int] = []
    others: list[int] = []
    for offer_id in sorted(by_offer):
        result = route_offer_matches(
            offer_id=offer_id, new_ids=by_offer[offer_id], route=route, actor=actor
        )
        routed += result["routed"]
        others += result["other_candidates"]
    return sorted(routed), sorted(others)


def _reload(matches: list[Match], *, new_ids: set[int]) -> list[Match]:
    """The run's matches as routing left them (manager, stage, other candidate)."""
    fresh = Match.objects.in_bulk([m.pk for m in matches])
    reloaded = []
    for match in matches:
        current = fresh.get(match.pk, match)
        current.inserted = match.pk in new_ids  # type: ignore[attr-defined]
        reloaded.append(current)
    return reloaded


# --- The intake list: offers that fit no need -------------------------------------------


def _routed(match: Match) -> bool:
    """An open match someone works on or will (not one of the other candidates)."""
    return match.is_open and not match.other_candidate


def sync_intake(*, offer_id: int, matched: bool, actor: Any = None) -> None:
    """Keep an offer's place in the team's intake list in step with its matches.

    An open offer with quantity left and no routed open match (the relevance gate let no
    need through, or only other candidates too far from what the offer is about to route)
    is listed with the reason "no fitting need", so a person answers it (or promotes one
    of its other candidates); a listed offer that a later run matched (``matched``: a
    routed match) leaves the list. An item a person answered stays answered, and an offer
    is listed once.
    """
    now = timezone.now()
    if matched:
        # One query, usually finding nothing: this runs after every matching run. Only an
        # offer still listed opens a transaction, for the change and its audit entry.
        listed = IntakeItem.objects.filter(offer_id=offer_id, resolved_at__isnull=True)
        if not listed.exists():
            return
        with transaction.atomic():
            left = listed.update(
                resolved_at=now, resolution=str(_("Matched to a need by a later run."))
            )
            if left:
                log_action(
                    actor=actor,
                    action="matching.intake.resolved",
                    obj=Offer.objects.get(pk=offer_id),
                    payload={"reason": IntakeItem.Reason.NO_FITTING_NEED},
                )
        return
    with transaction.atomic():
        if Match.objects.open().filter(offer_id=offer_id, other_candidate=False).exists():
            return
        offer = Offer.objects.open().filter(pk=offer_id, quantity_open__gt=0).first()
        if offer is None:
            return
        item, created = IntakeItem.objects.get_or_create(
            offer_id=offer_id, defaults={"reason": IntakeItem.Reason.NO_FITTING_NEED}
        )
        if created:
            log_action(
                actor=actor,
                action="matching.intake.listed",
                obj=offer,
                payload={"item": item.pk, "reason": item.reason},
            )


def answer_intake_item(*, item: IntakeItem, actor: Any, note: str = "") -> IntakeItem:
    """A person has answered an offer of the intake list: it leaves the list."""
    with transaction.atomic():
        locked = IntakeItem.objects.select_for_update().get(pk=item.pk)
        if locked.is_open:
            locked.resolved_at = timezone.now()
            locked.resolved_by = acting_user(actor)
            locked.resolution = (note or "").strip()[:200] or str(_("Answered"))
            locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
            log_action(
                actor=actor,
                action="matching.intake.answered",
                obj=locked.offer,
                payload={"item": locked.pk, "note": locked.resolution},
            )
    for name in ("resolved_at", "resolved_by_id", "resolution"):
        setattr(item, name, getattr(locked, name))
    return item


# --- Outreach ---------------------------------------------------------------------------


def suggest_outreach(*, need: Need, actor: Any = None) -> list[OutreachSuggestion]:
    """Suggest the organisations whose stated interests fit ``need`` (idempotent).

    The suggestions are replaced by the current best ones: an organisation that no longer
    fits (or has since offered something matched to the need) drops out, and a need that is
    no longer open keeps none.
    """
    ctx = context()
    target = outreach.outreach_candidates(need_id=need.pk, today=ctx.today)
    if target is None:
        return []
    scored = sorted(
        ((c, *outreach_score(c)) for c in target.candidates),
        key=lambda item: (-item[1], item[0].organisation_id),
    )[: engine.LIMITS.outreach_keep]
    keep_ids = [c.organisation_id for c, _score, _reason in scored]
    with transaction.atomic():
        stale = OutreachSuggestion.objects.filter(need_id=need.pk).exclude(
            organisation_id__in=keep_ids
        )
        removed, _detail = stale.delete()
        suggestions = OutreachSuggestion.objects.bulk_create(
            [
                OutreachSuggestion(
                    need_id=need.pk, organisation_id=c.organisation_id, score=score, reason=reason
                )
                for c, score, reason in scored
            ],
            update_conflicts=True,
            unique_fields=["need", "organisation"],
            update_fields=["score", "reason"],
        )
        if suggestions or removed:
            log_action(
                actor=actor,
                action="matching.need.outreach_suggested",
                obj=need,
                payload={"organisations": keep_ids, "removed": removed},
            )
    return suggestions


# --- Quantities -------------------------------------------------------------------------
