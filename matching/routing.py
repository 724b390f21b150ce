"""Routing: which of an offer's matches go to a person, and to which account manager.

**Route only the best** (``route_offer_matches``): per offer, at most
``MATCH_ROUTED_PER_OFFER`` open matches (default 3) are routed, and only those scoring
within ``engine.LIMITS.route_margin`` of the offer's best, about as relevant
(``route_relevance_ratio``) and about what the offer is about (``route_min_overlap``); the
others stay "other
candidates" (proposed, unassigned, nobody notified) that a manager may promote in one click
(``promote_candidate``). Re-matching tops an offer up to the cap (a declined routed match
frees a slot for the best waiting candidate) and never routes beyond it.

Each routed match goes to one account manager, and the reason is kept. The rules, in order:

1. **Relationship owner** (continuity): the organisation's ``relationship_owner``, if they
   are an active account manager (or team lead) and available.
2. **Area expertise**: the managers whose areas include the need's area; among those
   available, the least loaded (open matches weighted by stage, ``STAGE_WEIGHTS``); ties go
   to whoever was assigned a match least recently (never assigned first).
3. **Nobody eligible**: the match stays unassigned in the team leads' queue and every team
   lead is alerted.

Available means: the profile says so, no absence covers today, and the weighted load is
below the profile's capacity.

``match.routing_reason`` records the rule, every candidate considered with their load and
why they were or were not eligible, so the queue can say why this manager got this match.
Concurrent routing stays balanced: the chosen manager's profile row is locked and the
decision is re-checked under the lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contactpoint.audit import log_action
from stakeholders.models import Offer

from . import engine, lifecycle, notifications, permissions
from .models import OPEN_STAGES, Absence, AccountManagerProfile, Match, Stage

# How much each open match weighs on a manager's load: the stages that take most work
# (negotiating, drafting the agreement) count double.
STAGE_WEIGHTS: dict[str, int] = {
    Stage.PROPOSED: 1,
    Stage.ASSIGNED: 1,
    Stage.CONTACTED: 1,
    Stage.NEGOTIATING: 2,
    Stage.AGREED: 2,
    Stage.IN_DELIVERY: 1,
}

RULE_OWNER = "relationship_owner"
RULE_AREA = "area_expertise"
RULE_UNASSIGNED = "unassigned"

RULE_LABELS = {
    RULE_OWNER: _("Relationship owner (continuity)"),
    RULE_AREA: _("Area of expertise, least loaded"),
    RULE_UNASSIGNED: _("No eligible manager: waiting for a team lead"),
    "reassigned": _("Reassigned by a team lead"),
    "handed_over": _("Handed over by a colleague"),
}
REFUSAL_LABELS = {
    "not_manager": _("not an active account manager"),
    "no_profile": _("no account manager profile"),
    "unavailable": _("not available"),
    "absent": _("absent today"),
    "at_capacity": _("at capacity"),
}
# A few retries when a concurrent routing changed the picture under us.
MAX_ATTEMPTS = 3


def weighted_load():
    """SQL for a manager's load: the weighted count of their open matches."""
    weight = Case(
        *[When(stage=stage, then=Value(w)) for stage, w in STAGE_WEIGHTS.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    return Coalesce(
        Subquery(
            Match.objects.filter(manager_id=OuterRef("user_id"), stage__in=OPEN_STAGES)
            .order_by()
            .values("manager_id")
            .annotate(load=Sum(weight))
            .values("load")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def profiles_with_load(*, today: date):
    return AccountManagerProfile.objects.select_related("user").annotate(
        load=weighted_load(),
        absent=Exists(
            Absence.objects.filter(profile_id=OuterRef("pk"), start__lte=today, end__gte=today)
        ),
    )


@dataclass
class Decision:
    rule: str
    profile: AccountManagerProfile | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    owner: dict[str, Any] | None = None

    @property
    def manager(self):
        return self.profile.user if self.profile is not None else None

    def as_reason(self, *, match: Match, today: date) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "manager": self.manager.pk if self.manager else None,
            "manager_name": _name(self.manager) if self.manager else "",
            "area": match.need.area.slug,
            "area_name": match.need.area.name,
            "owner": self.owner,
            "candidates": self.candidates,
            "weights": dict(STAGE_WEIGHTS),
            "date": today.isoformat(),
        }


def _name(user) -> str:
    return user.get_full_name() or user.email or user.username


def profile_load(profile: AccountManagerProfile) -> int:
    """The weighted load annotated by ``profiles_with_load``."""
    return int(getattr(profile, "load", 0))


def profile_absent(profile: AccountManagerProfile) -> bool:
    return bool(getattr(profile, "absent", False))


def _describe(profile: AccountManagerProfile, *, refusal: str | None) -> dict[str, Any]:
    return {
        "user": profile.user_id,
        "name": _name(profile.user),
        "load": profile_load(profile),
        "capacity": profile.capacity,
        "available": profile.available,
        "absent": profile_absent(profile),
        "last_assigned_at": profile.last_assigned_at.isoformat()
        if profile.last_assigned_at
        else None,
        "eligible": refusal is None,
        "refusal": refusal or "",
    }


def _refusal(profile: AccountManagerProfile, manager_ids: set[int]) -> str | None:
    if profile.user_id not in manager_ids:
        return "not_manager"
    if not profile.available:
        return "unavailable"
    if profile_absent(profile):
        return "absent"
    if profile_load(profile) >= profile.capacity:
        return "at_capacity"
    return None


def decide(*, match: Match, today: date) -> Decision:
    """Apply the rules to ``match`` without changing anything (reads only)."""
    manager_ids = set(permissions.eligible_managers().values_list("pk", flat=True))
    profiles = profiles_with_load(today=today)

    owner_id = match.offer.organisation.relationship_owner_id
    owner: dict[str, Any] | None = None
    if owner_id is not None:
        profile = profiles.filter(user_id=owner_id).first()
        if profile is None:
            owner = {"user": owner_id, "eligible": False, "refusal": "no_profile"}
        else:
            refusal = _refusal(profile, manager_ids)
            owner = _describe(profile, refusal=refusal)
            if refusal is None:
                return Decision(rule=RULE_OWNER, profile=profile, candidates=[owner], owner=owner)

    experts = list(profiles.filter(areas=match.need.area_id).order_by("pk"))
    candidates = []
    eligible = []
    for profile in experts:
        refusal = _refusal(profile, manager_ids)
        candidates.append(_describe(profile, refusal=refusal))
        if refusal is None:
            eligible.append(profile)
    if eligible:
        # Least loaded; then least recently assigned, never-assigned first; then oldest profile.
        def key(profile: AccountManagerProfile):
            last = profile.last_assigned_at
            return (profile_load(profile), last is not None, last or timezone.now(), profile.pk)

        chosen = min(eligible, key=key)
        return Decision(rule=RULE_AREA, profile=chosen, candidates=candidates, owner=owner)
    return Decision(rule=RULE_UNASSIGNED, candidates=candidates, owner=owner)


def route_match(*, match: Match, actor: Any = None) -> Match:
    """Assign a new match to an account manager by the rules, or alert the team leads.

    Idempotent: a match that already has a manager, or is closed, is returned unchanged.
    Runs in the caller's transaction if there is one (the engine routes each match it
    creates), else in its own.
    """
    with transaction.atomic():
        match = (
            Match.objects.select_for_update(of=("self",))
            .select_related("offer__organisation", "need__area")
            .get(pk=match.pk)
        )
        if match.manager_id is not None or match.stage != Stage.PROPOSED or match.other_candidate:
            return match
        today = timezone.localdate()
        decision = decide(match=match, today=today)
        for _attempt in range(MAX_ATTEMPTS):
            if decision.profile is None:
                break
            # Lock the chosen manager, then look again: a routing that committed while we
            # waited for the lock may have made someone else the better (or only) choice.
            AccountManagerProfile.objects.select_for_update().filter(pk=decision.profile.pk).first()
            again = decide(match=match, today=today)
            if again.rule == decision.rule and (
                again.profile is not None and again.profile.pk == decision.profile.pk
            ):
                decision = again
                break
            decision = again
        reason = decision.as_reason(match=match, today=today)
        if decision.manager is not None:
            lifecycle.assign(match=match, manager=decision.manager, actor=actor, reason=reason)
            lifecycle.record_event(
                match=match,
                kind="routed",
                actor=actor,
                note=describe_reason(reason),
                payload={"rule": decision.rule, "manager": decision.manager.pk},
            )
            return match

        match.routing_reason = reason
        match.save(update_fields=["routing_reason", "updated_at"])
        lifecycle.record_event(
            match=match,
            kind="routed",
            actor=actor,
            note=describe_reason(reason),
            payload={"rule": RULE_UNASSIGNED},
        )
        log_action(
            actor=actor,
            action="matching.match.unassigned",
            obj=match,
            payload={"area": match.need.area.slug, "candidates": len(decision.candidates)},
        )
        for lead in notifications.team_leads():
            notifications.notify(
                recipient=lead,
                kind=notifications.Kind.UNASSIGNED_ALERT,
                match=match,
                dedup_key=f"unassigned:{match.pk}:{lead.pk}",
            )
    return match


def _relevance(match: Match) -> float | None:
    """The text relevance stored with the match's breakdown; None for the need the
    stakeholder chose (their choice is the evidence)."""
    parts = match.score_parts or {}
    if any(part.get("key") == "chosen" for part in parts.get("parts") or ()):
        return None
    return float(parts.get("relevance") or 0.0)


def _overlap(match: Match) -> float:
    """The concept overlap stored with the match's breakdown. A breakdown written before
    the engine measured it has none: such a match was routed by the rules of its day, and
    its next re-score adds it."""
    parts = match.score_parts or {}
    return float(parts["overlap"]) if "overlap" in parts else 1.0


def routable(
    scored: list[tuple[float, float | None]],
    *,
    margin: float,
    relevance_ratio: float,
    overlaps: list[float] | None = None,
    min_overlap: float = 0.0,
) -> list[bool]:
    """Which of an offer's (score, relevance) pairs are close enough to its best to be
    routed: a score within ``margin`` of the best score, a text relevance at least
    ``relevance_ratio`` times the best one (a match only about as good on place and timing,
    but clearly less about the same thing, waits), and a concept overlap (``overlaps``,
    one per pair) of at least ``min_overlap`` (a pair sharing a word but not what the offer
    is about waits, even the best one). A relevance of None (the need the stakeholder
    chose) needs no comparison."""
    if not scored:
        return []
    best_score = max(score for score, _relevance in scored)
    best_relevance = max((r for _score, r in scored if r is not None), default=0.0)
    overlap_of = overlaps or [1.0] * len(scored)
    return [
        score >= best_score - margin - 1e-9
        and (
            relevance is None
            or (relevance >= relevance_ratio * best_relevance and overlap >= min_overlap - 1e-9)
        )
        for (score, relevance), overlap in zip(scored, overlap_of, strict=True)
    ]


def select_routed(
    matches: list[Match],
    *,
    new_ids: set[int],
    cap: int,
    margin: float,
    relevance_ratio: float = 0.0,
    min_overlap: float = 0.0,
) -> tuple[list[Match], list[Match]]:
    """Of an offer's open matches, which waiting ones to route now and which to keep as
    other candidates: plain logic over the matches (no database).

    Waiting: new in this run, or other candidates still proposed. Routed already: every
    other open match (they fill the cap). Routed now: the best waiting ones close enough
    to the offer's best (``routable``), until the cap is full.
    """
    if not matches:
        return [], []
    close = dict(
        zip(
            (m.pk for m in matches),
            routable(
                [(m.score, _relevance(m)) for m in matches],
                margin=margin,
                relevance_ratio=relevance_ratio,
                overlaps=[_overlap(m) for m in matches],
                min_overlap=min_overlap,
            ),
            strict=True,
        )
    )
    waiting = sorted(
        (
            m
            for m in matches
            if m.pk in new_ids or (m.other_candidate and m.stage == Stage.PROPOSED)
        ),
        key=lambda m: (-m.score, -m.pk),
    )
    waiting_ids = {m.pk for m in waiting}
    already = sum(1 for m in matches if m.pk not in waiting_ids)
    slots = max(cap - already, 0)
    to_route = [m for m in waiting if close[m.pk]][:slots]
    chosen = {m.pk for m in to_route}
    return to_route, [m for m in waiting if m.pk not in chosen]


def route_offer_matches(
    *, offer_id: int, new_ids: set[int], route: bool = True, actor: Any = None
) -> dict[str, list[int]]:
    """Apply the cap and margin to one offer's open matches (inside the matching run's
    transaction): the best waiting ones are routed (``route_match``; with ``route=False``
    they are only marked routed, for benchmarks and engine tests), the rest are kept as
    other candidates. Returns the ids of both."""
    # The offer row serialises runs that add matches to the same offer (a need published
    # while the offer is being re-matched): the cap is counted once at a time.
    Offer.objects.select_for_update().filter(pk=offer_id).values_list("pk").first()
    matches = list(Match.objects.open().filter(offer_id=offer_id).order_by("pk"))
    to_route, others = select_routed(
        matches,
        new_ids=new_ids,
        cap=settings.MATCH_ROUTED_PER_OFFER,
        margin=engine.LIMITS.route_margin,
        relevance_ratio=engine.LIMITS.route_relevance_ratio,
        min_overlap=engine.LIMITS.route_min_overlap,
    )
    held = [m.pk for m in others if not m.other_candidate]
    if held:
        Match.objects.filter(pk__in=held).update(other_candidate=True, updated_at=timezone.now())
    released = [m.pk for m in to_route if m.other_candidate]
    if released:
        Match.objects.filter(pk__in=released).update(
            other_candidate=False, updated_at=timezone.now()
        )
    for match in to_route:
        match.other_candidate = False
        if route:
            route_match(match=match, actor=actor)
    return {"routed": [m.pk for m in to_route], "other_candidates": [m.pk for m in others]}


class PromotionRefused(lifecycle.MatchError):
    pass


def promote_candidate(*, match: Match, actor: Any) -> Match:
    """A manager routes one of an offer's other candidates (one click): it leaves the
    other candidates and is routed by the usual rules, beyond the offer's cap (a person
    chose it). Account managers and team leads only."""
    if not permissions.is_match_staff(actor):
        raise lifecycle.NotPermitted(permissions.NOT_PERMITTED_MESSAGE)
    with transaction.atomic():
        locked = Match.objects.select_for_update(of=("self",)).get(pk=match.pk)
        if not (locked.other_candidate and locked.stage == Stage.PROPOSED):
            raise PromotionRefused(_("Only a proposed other candidate can be promoted."))
        locked.other_candidate = False
        locked.save(update_fields=["other_candidate", "updated_at"])
        lifecycle.record_event(match=locked, kind="promoted", actor=actor)
        log_action(
            actor=actor,
            action="matching.match.promoted",
            obj=locked,
            payload={"offer": locked.offer_id, "need": locked.need_id, "score": locked.score},
        )
        routed = route_match(match=locked, actor=actor)
    match.refresh_from_db()
    return routed


def describe_reason(reason: dict[str, Any] | None) -> str:
    """One translated sentence saying why the match went where it went."""
    if not reason:
        return ""
    rule = reason.get("rule", "")
    label = str(RULE_LABELS.get(rule, rule))
    manager = reason.get("manager_name") or ""
    chosen = next(
        (c for c in reason.get("candidates", []) if c.get("user") == reason.get("manager")),
        None,
    )
    if rule == RULE_OWNER and manager:
        return gettext("%(rule)s: %(manager)s keeps the relationship with this organisation.") % {
            "rule": label,
            "manager": manager,
        }
    if rule == RULE_AREA and chosen is not None:
        eligible = sum(1 for c in reason.get("candidates", []) if c.get("eligible"))
        return gettext(
            "%(rule)s: %(manager)s, expert in “%(area)s”, had the lightest load "
            "(%(load)s of %(capacity)s) among %(eligible)s available of %(count)s."
        ) % {
            "rule": label,
            "manager": manager,
            "area": reason.get("area_name", ""),
            "load": chosen.get("load"),
            "capacity": chosen.get("capacity"),
            "eligible": eligible,
            "count": len(reason.get("candidates", [])),
        }
    if rule == RULE_UNASSIGNED:
        count = len(reason.get("candidates", []))
        return gettext("%(rule)s (%(count)s managers considered for “%(area)s”).") % {
            "rule": label,
            "count": count,
            "area": reason.get("area_name", ""),
        }
    return label


def candidate_rows(reason: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The candidates of a routing reason with a translated verdict, for the admin."""
    rows = []
    for candidate in (reason or {}).get("candidates", []):
        refusal = candidate.get("refusal") or ""
        rows.append(
            {
                **candidate,
                "chosen": candidate.get("user") == (reason or {}).get("manager"),
                "verdict": str(REFUSAL_LABELS.get(refusal, "")) if refusal else gettext("eligible"),
            }
        )
    return rows
