"""Helpers shared by the match workflow tests (lifecycle, routing, queues, API, browser)."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
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
)


def with_totp(user):
    """City staff must have a second factor before the middleware lets them in."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


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


@pytest.fixture(autouse=True)
def workflow_defaults(settings, django_db_blocker):
    """Fast password hashing (users are made in every test), and the role groups present.

    The groups come from a data migration; a transactional test elsewhere flushes them and
    post_migrate only re-creates the roles that hold permissions.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock():
        for name in roles.ALL_ROLES:
            Group.objects.get_or_create(name=name)
