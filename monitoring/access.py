"""Who may read the dashboard and its exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactpoint import roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def can_read_dashboard(user: AbstractBaseUser | AnonymousUser) -> bool:
    """The Mayor's Cabinet, and city staff who read it (aggregates only, no personal data)."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return roles.has_role(
        user,
        roles.CABINET,
        roles.ACCOUNT_MANAGER,
        roles.TEAM_LEAD,
        roles.LEGAL,
        roles.DEPARTMENT,
    )


def can_read_statements(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Account managers and team leads prepare statements for their organisations."""
    if not user.is_authenticated:
        return False
    return bool(getattr(user, "is_superuser", False)) or roles.has_role(
        user, roles.ACCOUNT_MANAGER, roles.TEAM_LEAD
    )


def can_sign_off_statements(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return bool(getattr(user, "is_superuser", False)) or roles.has_role(user, roles.TEAM_LEAD)


def can_propose_topics(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Dashboard readers who keep the needs of at least one department."""
    from needs.services import departments_for

    return can_read_dashboard(user) and departments_for(user).exists()
