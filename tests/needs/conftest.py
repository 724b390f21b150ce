"""Users per role and departments for the needs tests."""

from __future__ import annotations

import pytest

from contactpoint import roles
from tests.factories import DepartmentFactory, NeedFactory, UserFactory, with_totp


def make_user(role: str | None = None, *, departments=(), **kwargs):
    """A user with ``role``; city staff get a TOTP device, as the MFA middleware demands."""
    user = UserFactory(role=role, **kwargs)
    for department in departments:
        department.members.add(user)
    if user.is_staff or user.is_superuser:
        with_totp(user)
    return user


@pytest.fixture
def department_x(db):
    return DepartmentFactory(slug="dept-x", name="Direzione X", name_en="Department X")


@pytest.fixture
def department_y(db):
    return DepartmentFactory(slug="dept-y", name="Direzione Y", name_en="Department Y")


@pytest.fixture
def member_x(department_x):
    return make_user(roles.DEPARTMENT, departments=[department_x])


@pytest.fixture
def member_y(department_y):
    return make_user(roles.DEPARTMENT, departments=[department_y])


@pytest.fixture
def account_manager(db):
    return make_user(roles.ACCOUNT_MANAGER)


@pytest.fixture
def cabinet(db):
    return make_user(roles.CABINET)


@pytest.fixture
def stakeholder(db):
    return make_user(roles.STAKEHOLDER)


@pytest.fixture
def superuser(db):
    user = make_user(None, is_superuser=True, is_staff=True)
    return user


@pytest.fixture
def need_x(department_x):
    return NeedFactory(department=department_x, title="Computer per la scuola X")


@pytest.fixture
def draft_x(department_x):
    return NeedFactory(department=department_x, title="Bozza X", status="draft", published_at=None)


@pytest.fixture
def need_y(department_y):
    return NeedFactory(department=department_y, title="Computer per la scuola Y")


@pytest.fixture
def draft_y(department_y):
    return NeedFactory(department=department_y, title="Bozza Y", status="draft", published_at=None)


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Chromium sends Accept-Language: en-US by default; an Italian visitor's sends it-IT.
    return {**browser_context_args, "locale": "it-IT"}
