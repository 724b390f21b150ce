"""Personal API tokens for city staff: create, revoke, and authenticate with them.

A token is ``cp_`` followed by 43 random URL-safe characters; only its SHA-256 is stored,
so the secret is shown once, when it is created. ``Authorization: Bearer <token>`` makes
the request act as the token's owner, with the owner's roles, while the token is neither
revoked nor expired and the owner is still active city staff. A *read* token cannot send
POST, PUT, PATCH or DELETE (403). A missing, unknown, revoked or expired token presented
as a bearer token is a 401 with ``WWW-Authenticate: Bearer``; a request without one is
left to the session, as before.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from .audit import log_action
from .models import ApiToken
from .roles import is_city_staff

TOKEN_PREFIX = "cp_"
# Lifetimes offered when a token is created, in days.
LIFETIMES = (30, 90, 365)
MAX_TOKENS_PER_USER = 20
# Use is audited at most once a day per token; last_used_at is refreshed every few minutes.
USE_AUDIT_EVERY = timedelta(days=1)
LAST_USED_EVERY = timedelta(minutes=5)


def may_hold_tokens(user: Any) -> bool:
    """City staff (and superusers) only; a stakeholder account never holds a token."""
    if not getattr(user, "is_active", False) or not user.is_authenticated:
        return False
    return is_city_staff(user)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(*, user: Any, name: str, scope: str, lifetime_days: int) -> tuple[ApiToken, str]:
    """Create a token for ``user`` and return it with its secret (shown once, never again)."""
    if not may_hold_tokens(user):
        raise DjangoPermissionDenied(_("Only city staff can create API tokens."))
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": _("Choose read or read and write.")})
    if lifetime_days not in LIFETIMES:
        raise ValidationError({"lifetime_days": _("Choose one of the lifetimes offered.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        if ApiToken.objects.filter(user=user).usable().count() >= MAX_TOKENS_PER_USER:
            raise ValidationError(
                _("You already have %(count)d active tokens: revoke one first.")
                % {"count": MAX_TOKENS_PER_USER}
            )
        now = timezone.now()
        expires_at = now + timedelta(days=lifetime_days)
        token = ApiToken.objects.create(
            user=user,
            name=name[:80],
            scope=scope,
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            secret_hash=hash_secret(secret),
            created_at=now,
            expires_at=expires_at,
        )
        log_action(
            actor=user,
            action="contactpoint.api_token.created",
            obj=token,
            payload={"scope": scope, "expires_at": expires_at.isoformat()},
        )
    return token, secret


def revoke_token(*, token: ApiToken, actor: Any) -> ApiToken:
    """Revoke ``token`` at once; revoking it again changes nothing."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        token.refresh_from_db()
        if revoked:
            log_action(
                actor=actor,
                action="contactpoint.api_token.revoked",
                obj=token,
                payload={"owner": token.user_id},
            )
    return token


def record_use(token: ApiToken) -> None:
    """Refresh ``last_used_at`` every few minutes and audit the use once a day.

    The conditional UPDATE is the claim: of two concurrent requests only one refreshes the
    row, so the day's audit entry is written once.
    """
    now = timezone.now()
    previous = token.last_used_at
    if previous is not None and previous > now - LAST_USED_EVERY:
        return
    with transaction.atomic():
        claimed = (
            ApiToken.objects.filter(pk=token.pk)
            .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY))
            .update(last_used_at=now)
        )
        if claimed and (previous is None or previous <= now - USE_AUDIT_EVERY):
            log_action(actor=token.user, action="contactpoint.api_token.used", obj=token)
    token.last_used_at = now


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer cp_...`` with a personal API token."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send one token after 'Bearer'."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token.")) from exc
        token = (
            ApiToken.objects.usable()
            .select_related("user")
            .filter(secret_hash=hash_secret(secret))
            .first()
        )
        if token is None or not may_hold_tokens(token.user):
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if token.scope == ApiToken.Scope.READ and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(_("This token may only read."))
        record_use(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str | None:
        # 401 only for a presented bearer token; a request without one keeps the session's
        # answer (403), as before tokens existed.
        scheme = get_authorization_header(request).split()[:1]
        return 'Bearer realm="api"' if scheme and scheme[0].lower() == self.keyword else None


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema: an HTTP bearer scheme named ``tokenAuth``."""

    target_class = BearerTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token of a staff member (created on /api-tokens/). Read "
                "tokens may only use GET, HEAD and OPTIONS."
            ),
        }
