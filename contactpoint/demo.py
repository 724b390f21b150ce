"""Demo users, one per role, for ``make run``. Never used in production."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from . import roles

DEMO_PASSWORD = "contactpoint-demo"


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    last_name: str
    role: str
    # Department users: the slug of the department they post needs for (needs.demo).
    department: str = ""


DEMO_USERS = (
    DemoUser("stakeholder@example.org", "Giulia", "Bianchi", roles.STAKEHOLDER),
    # One member for every department of the reference data, so each can post its needs.
    DemoUser("social@example.org", "Sara", "Colombo", roles.DEPARTMENT, "politiche-sociali"),
    DemoUser("education@example.org", "Marco", "Rossi", roles.DEPARTMENT, "educazione"),
    DemoUser("resilience@example.org", "Luca", "Marino", roles.DEPARTMENT, "citta-resilienti"),
    DemoUser(
        "neighbourhoods@example.org", "Francesca", "Greco", roles.DEPARTMENT, "piano-quartieri"
    ),
    DemoUser(
        "managing-authority@example.org",
        "Davide",
        "Lombardi",
        roles.DEPARTMENT,
        "autorita-di-gestione",
    ),
    DemoUser(
        "mayors-office@example.org", "Silvia", "Fontana", roles.DEPARTMENT, "gabinetto-del-sindaco"
    ),
    DemoUser("manager@example.org", "Laura", "Conti", roles.ACCOUNT_MANAGER),
    DemoUser("manager2@example.org", "Paolo", "Ferrari", roles.ACCOUNT_MANAGER),
    DemoUser("lead@example.org", "Chiara", "Galli", roles.TEAM_LEAD),
    DemoUser("cabinet@example.org", "Andrea", "Moretti", roles.CABINET),
    DemoUser("legal@example.org", "Elena", "Ricci", roles.LEGAL),
)


def login_lines() -> list[str]:
    """One line per demo login, for ``make run`` and ``seed_demo``."""
    lines = [f"Demo logins (password: {DEMO_PASSWORD}):"]
    for user in DEMO_USERS:
        role = f"{user.role} ({user.department})" if user.department else user.role
        lines.append(f"  {role:<38} {user.email}")
    return lines


@transaction.atomic
def load_users() -> list[DemoUser]:
    """Create (or refresh) the demo users with verified e-mail; staff get a TOTP device."""
    User = get_user_model()
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.email,
            defaults={
                "email": demo.email,
                "first_name": demo.first_name,
                "last_name": demo.last_name,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = demo.role in roles.STAFF_ROLES
        user.save()
        user.groups.add(Group.objects.get(name=demo.role))
        EmailAddress.objects.update_or_create(
            user=user, email=demo.email, defaults={"verified": True, "primary": True}
        )
        if (
            user.is_staff
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, generate_totp_secret())
    return list(DEMO_USERS)
