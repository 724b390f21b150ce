"""Who may act on a match: the staff predicates, defined once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from contactpoint import roles
from stakeholders.models import OrganisationMembership

from .models import Match

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


NOT_PERMITTED_MESSAGE = _("Only the assigned account manager or a team lead can do this.")


# Superusers and team leads.
is_team_lead = roles.is_team_lead
# Account managers and team leads (and superusers): they read every match and work the queues.
is_match_staff = roles.is_account_staff


def can_act(user: AbstractBaseUser | AnonymousUser | None, match: Match) -> bool:
    """The assigned manager, a team lead or a superuser may act on a match."""
    if is_team_lead(user):
        return True
    return (
        user is not None
        and is_match_staff(user)
        and match.manager_id is not None
        and match.manager_id == user.pk
    )


def is_stakeholder_of(user: AbstractBaseUser | AnonymousUser | None, match: Match) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return OrganisationMembership.objects.filter(
        user_id=user.pk, organisation_id=match.offer.organisation_id
    ).exists()


def eligible_managers() -> QuerySet:
    """Users a match may be assigned to: active account managers and team leads."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=(roles.ACCOUNT_MANAGER, roles.TEAM_LEAD))
        .distinct()
        .order_by("first_name", "last_name", "email")
    )
