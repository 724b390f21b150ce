"""Where each person works: the page they land on after signing in and the header's links.

One place decides both, from the person's roles. Pages built by later parts of the portal
(the cabinet's ``/dashboard/``, the legal team's vademecum) are looked up by URL name, so
they take over from the interim overview as soon as they exist, without changing this
module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# The interim overview of offers, matches and needs (matching app) stands in for these
# until they are built.
DASHBOARD_URL_NAMES = ("monitoring:dashboard", "matching:overview")
VADEMECUM_URL_NAMES = ("vademecum:workspace", "matching:overview")


@dataclass(frozen=True)
class Place:
    key: str
    label: str | Promise
    url: str


def _first_url(*names: str) -> str | None:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def _queue_url() -> str | None:
    return _first_url("admin:matching_match_changelist")


def places_for(user: AbstractBaseUser | AnonymousUser) -> list[Place]:
    """Every work place the user's roles allow, the main one first (no duplicates)."""
    if not user.is_authenticated:
        return []
    superuser = bool(getattr(user, "is_superuser", False))
    wanted: list[tuple[str, str | Promise, str | None]] = []
    if roles.is_team_lead(user):
        wanted.append(("team", _("Team view"), _first_url("matching:team")))
    if roles.has_role(user, roles.ACCOUNT_MANAGER, roles.TEAM_LEAD):
        wanted.append(("queue", _("My queue"), _queue_url()))
    if roles.has_role(user, roles.DEPARTMENT):
        wanted.append(("workspace", _("Department workspace"), _first_url("needs:workspace")))
    if roles.has_role(user, roles.CABINET):
        wanted.append(("dashboard", _("Dashboard"), _first_url(*DASHBOARD_URL_NAMES)))
    if roles.has_role(user, roles.LEGAL):
        wanted.append(("vademecum", _("Vademecum"), _first_url(*VADEMECUM_URL_NAMES)))
    if superuser:
        wanted.append(("dashboard", _("Dashboard"), _first_url(*DASHBOARD_URL_NAMES)))
    if roles.is_city_staff(user):
        wanted.append(("admin", _("Administration"), _first_url("admin:index")))
    else:
        wanted.append(("my", _("My area"), _first_url("offers:my_area")))
    places: list[Place] = []
    seen: set[str] = set()
    for key, label, url in wanted:
        if url is None or url in seen:
            continue
        seen.add(url)
        places.append(Place(key=key, label=label, url=url))
    return places


def landing_url(user: AbstractBaseUser | AnonymousUser) -> str:
    """The page a person lands on after signing in: their main work place."""
    places = places_for(user)
    return places[0].url if places else reverse("home")


def organisations_area(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the personal area (/my/...): city staff are sent to their own work place.

    Staff follow organisations from the admin and their work places; every list of the
    personal area answers them the same way, so none shows an empty "my" page instead.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if roles.is_city_staff(request.user):
            messages.info(request, _("The personal area is for organisations: here is your work."))
            return redirect(landing_url(request.user))
        return view(request, *args, **kwargs)

    return wrapper
