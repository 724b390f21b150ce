"""Helpers shared by the match workflow tests (lifecycle, routing, queues, API, browser)."""

from __future__ import annotations

from django.contrib.auth.models import Group

from contactpoint import roles
from matching.models import AccountManagerProfile, Stage
from tests.factories import (
    ContactPersonFactory,
    DepartmentFactory,
    MatchFactory,
    NeedFactory,
    OfferFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    UserFactory,
    with_totp,
)


def login(client, user):
    if user is None:
        client.logout()
        return client
    if roles.is_city_staff(user):
        with_totp(user)
    client.force_login(user)
    return client


def make_manager(*, areas=(), capacity=20, available=True, lead=False, profile=True, **fields):
    user = UserFactory(role=roles.TEAM_LEAD if lead else roles.ACCOUNT_MANAGER, **fields)
    if profile:
        manager_profile = AccountManagerProfile.objects.create(
            user=user, capacity=capacity, available=available
        )
        manager_profile.areas.set(areas)
    return user


def make_team_lead(**fields):
    return make_manager(lead=True, profile=False, **fields)


def make_department_user(department=None):
    user = UserFactory(role=roles.DEPARTMENT)
    department = department or DepartmentFactory()
    department.members.add(user)
    return user


def make_stakeholder(organisation):
    return OrganisationMembershipFactory(organisation=organisation).user


def make_match(*, manager=None, stage=Stage.ASSIGNED, organisation=None, need=None, **fields):
    organisation = organisation or OrganisationFactory()
    offer = fields.pop("offer", None) or OfferFactory(
        organisation=organisation,
        contact=ContactPersonFactory(organisation=organisation),
    )
    need = need or NeedFactory()
    return MatchFactory(offer=offer, need=need, manager=manager, stage=stage, **fields)


def add_role(user, role):
    user.groups.add(Group.objects.get(name=role))
    user._contactpoint_roles = None
    if hasattr(user, "_contactpoint_roles"):
        del user._contactpoint_roles
    return user


def with_impact_evaluation(match):
    """Completing a match needs an evaluated impact record (the monitoring app's check)."""
    from django.utils import timezone

    from monitoring.models import Collaboration

    Collaboration.objects.update_or_create(
        match=match, defaults={"evaluation": "Valutata.", "evaluated_at": timezone.now()}
    )
    return match
