"""Roles are six Django groups created by a reversible, idempotent migration."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from contactpoint import roles
from tests.factories import UserFactory

ROLES_MIGRATION = ("contactpoint", "0003_roles")
BEFORE_ROLES = ("contactpoint", "0002_core")


@pytest.mark.django_db
def test_migration_created_exactly_the_six_roles():
    names = sorted(Group.objects.values_list("name", flat=True))

    assert names == sorted(roles.ALL_ROLES)
    assert len(names) == 6
    assert set(roles.ALL_ROLES) == {
        "stakeholder",
        "department",
        "account manager",
        "team lead",
        "cabinet",
        "legal",
    }


def test_roles_module_and_migration_name_the_same_groups():
    migration = importlib.import_module("contactpoint.migrations.0003_roles")

    assert tuple(migration.ROLES) == roles.ALL_ROLES
    assert set(roles.LABELS) == set(roles.ALL_ROLES)
    assert set(roles.STAFF_ROLES) == set(roles.ALL_ROLES) - {roles.STAKEHOLDER}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "is_staff_role"),
    [
        (roles.STAKEHOLDER, False),
        (roles.DEPARTMENT, True),
        (roles.ACCOUNT_MANAGER, True),
        (roles.TEAM_LEAD, True),
        (roles.CABINET, True),
        (roles.LEGAL, True),
    ],
)
def test_is_city_staff_for_each_role(role, is_staff_role):
    user = UserFactory(role=role, role__admin=False)

    assert roles.role_names(user) == {role}
    assert roles.has_role(user, role)
    assert roles.is_city_staff(user) is is_staff_role


@pytest.mark.django_db
def test_django_staff_and_superusers_count_as_city_staff_whatever_their_groups():
    assert roles.is_city_staff(UserFactory(role=roles.STAKEHOLDER, is_staff=True))
    assert roles.is_city_staff(UserFactory(is_superuser=True))


@pytest.mark.django_db
def test_anonymous_and_users_without_a_role_are_not_city_staff():
    assert not roles.is_city_staff(AnonymousUser())
    assert roles.role_names(AnonymousUser()) == set()
    assert not roles.is_city_staff(UserFactory())


@pytest.mark.django_db(transaction=True)
def test_roles_migration_reverses_and_reapplies_idempotently():
    executor = MigrationExecutor(connection)
    # Going back before the roles migration also unapplies everything that depends on it.
    executor.migrate([BEFORE_ROLES])
    assert not Group.objects.filter(name__in=roles.ALL_ROLES).exists()

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(roles.ALL_ROLES)

    # Running the forward step again (as a re-run after a partial failure would) changes nothing.
    executor.loader.build_graph()
    state_apps = executor.loader.project_state(ROLES_MIGRATION).apps
    migration = importlib.import_module("contactpoint.migrations.0003_roles")
    with connection.schema_editor() as schema_editor:
        migration.create_roles(state_apps, schema_editor)
    assert Group.objects.count() == 6
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(roles.ALL_ROLES)
