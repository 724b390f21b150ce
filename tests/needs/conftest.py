"""Users per role and departments for the needs tests."""

from __future__ import annotations

import pytest

from contactpoint import roles
from tests.factories import DepartmentFactory, NeedFactory, UserFactory


@pytest.fixture
def department_x(db):
    return DepartmentFactory(slug="dept-x", name="Direzione X", name_en="Department X")


@pytest.fixture
def department_y(db):
    return DepartmentFactory(slug="dept-y", name="Direzione Y", name_en="Department Y")


@pytest.fixture
def member_x(department_x):
    return UserFactory(role=roles.DEPARTMENT, departments=[department_x], totp=True)


@pytest.fixture
def member_y(department_y):
    return UserFactory(role=roles.DEPARTMENT, departments=[department_y], totp=True)


@pytest.fixture
def account_manager(db):
    return UserFactory(role=roles.ACCOUNT_MANAGER, totp=True)


@pytest.fixture
def cabinet(db):
    return UserFactory(role=roles.CABINET, totp=True)


@pytest.fixture
def stakeholder(db):
    return UserFactory(role=roles.STAKEHOLDER)


@pytest.fixture
def superuser(db):
    return UserFactory(superuser=True, totp=True)


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
