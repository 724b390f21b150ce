"""Roles are Django groups, created by a migration; this module names them once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

STAKEHOLDER = "stakeholder"
DEPARTMENT = "department"
ACCOUNT_MANAGER = "account manager"
TEAM_LEAD = "team lead"
CABINET = "cabinet"
LEGAL = "legal"

ALL_ROLES = (STAKEHOLDER, DEPARTMENT, ACCOUNT_MANAGER, TEAM_LEAD, CABINET, LEGAL)
# City staff: they reach the admin and must use a second factor (TOTP).
STAFF_ROLES = (DEPARTMENT, ACCOUNT_MANAGER, TEAM_LEAD, CABINET, LEGAL)

LABELS = {
    STAKEHOLDER: _("Stakeholder"),
    DEPARTMENT: _("Department"),
    ACCOUNT_MANAGER: _("Account manager"),
    TEAM_LEAD: _("Team lead"),
    CABINET: _("Mayor's Cabinet"),
    LEGAL: _("Legal / Managing Authority"),
}


def role_names(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    """The user's role names, cached on the user object for the request."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_contactpoint_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))  # type: ignore[union-attr,attr-defined]
        user._contactpoint_roles = cached  # type: ignore[union-attr,attr-defined]
    return cached


def has_role(user: AbstractBaseUser | AnonymousUser, *roles: str) -> bool:
    return bool(role_names(user) & set(roles))


def is_city_staff(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Staff roles and Django staff/superusers: the people who must use MFA."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return True
    return has_role(user, *STAFF_ROLES)


def is_team_lead(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Team leads and superusers."""
    if user is None or not user.is_authenticated:
        return False
    return bool(getattr(user, "is_superuser", False)) or has_role(user, TEAM_LEAD)


def is_account_staff(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Superusers, account managers and team leads: they keep the registry and work the
    matches."""
    if user is None or not user.is_authenticated:
        return False
    return bool(getattr(user, "is_superuser", False)) or has_role(user, ACCOUNT_MANAGER, TEAM_LEAD)


# Model permissions each role holds, contributed by each app's AppConfig.ready() through
# ``grant`` and written to the groups after every migrate, so a fresh database and an
# upgraded one end up with the same rights.
_GRANTS: dict[str, set[str]] = {}


def grant(role: str, *permissions: str) -> None:
    """Give ``role`` the ``app_label.codename`` permissions (synced after migrate)."""
    if role not in ALL_ROLES:
        raise ValueError(f"unknown role {role!r}")
    _GRANTS.setdefault(role, set()).update(permissions)


def sync_role_permissions(*, app_config: object = None, **kwargs: object) -> None:
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    # post_migrate is sent once per app; permissions all exist when the last app's arrives.
    if app_config is not None and app_config is not list(apps.get_app_configs())[-1]:
        return

    # Also recreates the groups after a flush (transactional tests empty every table).
    for role in ALL_ROLES:
        wanted = _GRANTS.get(role, set())
        group, _created = Group.objects.get_or_create(name=role)
        perms = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
