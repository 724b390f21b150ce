"""Matches outside the admin: the stakeholder's /my/matches/ and the department workspace.

Both are read views over scoped querysets (another organisation's or department's match
is a 404); the one write is the stakeholder declining or withdrawing their own match.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contactpoint import landing, roles

from . import forms, lifecycle, team
from .models import Match, MatchEvent, Stage

PAGE_SIZE = 20


def _stakeholder_match(request: HttpRequest, pk: int) -> Match:
    """The user's organisation's match, or 404 (never another organisation's)."""
    return get_object_or_404(
        Match.objects.for_stakeholder(request.user).select_related(
            "need__department", "need__area", "need__neighbourhood", "offer__organisation"
        ),
        pk=pk,
    )


def _public_timeline(match: Match) -> list[dict]:
    events = match.events.filter(visible_to_stakeholder=True).order_by("created_at", "id")
    return [{"event": event, "title": lifecycle.describe_event(event)} for event in events]


@login_required
@landing.organisations_area
def my_matches(request: HttpRequest) -> HttpResponse:
    matches = (
        Match.objects.for_stakeholder(request.user)
        .select_related("need__department", "need__area", "offer__organisation")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=MatchEvent.objects.filter(visible_to_stakeholder=True).order_by(
                    "created_at", "id"
                ),
                to_attr="public_events",
            )
        )
        .order_by("-stage_changed_at", "-id")
    )
    page = Paginator(matches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "matching/match_my_list.html", {"page": page, "matches": page})


@login_required
def my_match_detail(request: HttpRequest, pk: int) -> HttpResponse:
    match = _stakeholder_match(request, pk)
    return render(
        request,
        "matching/match_my_detail.html",
        {
            "match": match,
            "timeline": _public_timeline(match),
            "form": forms.StakeholderDeclineForm() if match.is_open else None,
        },
    )


@login_required
@require_POST
def my_match_decline(request: HttpRequest, pk: int) -> HttpResponse:
    match = _stakeholder_match(request, pk)
    form = forms.StakeholderDeclineForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.transition(
                match=match,
                to_stage=form.cleaned_data["to_stage"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except lifecycle.NotPermitted as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except lifecycle.MatchError as exc:
            form.add_error("to_stage", exc.message)
        else:
            messages.success(request, _("Thank you: we have recorded your choice."))
            return redirect("matching:my_match_detail", pk=match.pk)
    return render(
        request,
        "matching/match_my_detail.html",
        {"match": match, "timeline": _public_timeline(match), "form": form},
        status=400,
    )


@login_required
def workspace_matches(request: HttpRequest) -> HttpResponse:
    """Department users: the matches on their departments' needs, organisation names only."""
    user = request.user
    if not (user.is_superuser or roles.has_role(user, roles.DEPARTMENT)):
        raise PermissionDenied
    matches = (
        Match.objects.for_department_member(user)
        .select_related("need__department", "need__area", "offer__organisation")
        .order_by("-stage_changed_at", "-id")
    )
    stage = request.GET.get("stage", "")
    stage_error = ""
    if stage and stage not in Stage.values:
        stage_error = _("Choose a stage from the list.")
        stage = ""
    if stage:
        matches = matches.filter(stage=stage)
    page = Paginator(matches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/match_workspace_list.html",
        {
            "page": page,
            "matches": page,
            "stage": stage,
            "stage_error": stage_error,
            "stages": Stage.choices,
        },
        status=400 if stage_error else 200,
    )


def _staff_only(request: HttpRequest, *allowed: str) -> None:
    user = request.user
    if not (user.is_superuser or roles.has_role(user, *allowed)):
        raise PermissionDenied


@login_required
def team_view(request: HttpRequest) -> HttpResponse:
    """Team leads: unassigned matches first, then each account manager's load."""
    _staff_only(request, roles.TEAM_LEAD)
    unassigned = team.unassigned_matches()
    shown = list(unassigned[: team.UNASSIGNED_SHOWN + 1])
    return render(
        request,
        "matching/team_view.html",
        {
            "unassigned": shown[: team.UNASSIGNED_SHOWN],
            "more_unassigned": len(shown) > team.UNASSIGNED_SHOWN,
            "managers": team.manager_loads(today=timezone.localdate()),
        },
    )


@login_required
def staff_overview(request: HttpRequest) -> HttpResponse:
    """Read-only counts of offers, matches and needs (the cabinet's page until the dashboard
    exists, the legal team's until the vademecum exists)."""
    _staff_only(request, roles.CABINET, roles.LEGAL, roles.TEAM_LEAD, roles.ACCOUNT_MANAGER)
    return render(
        request, "matching/staff_overview.html", team.overview(today=timezone.localdate())
    )
