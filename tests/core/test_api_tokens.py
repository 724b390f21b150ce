"""Personal API tokens: staff create and revoke them; Bearer works with its scope; audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from rest_framework.test import APIClient

from contactpoint import api_tokens, roles
from contactpoint.models import ApiToken, AuditEntry
from tests.factories import (
    DepartmentFactory,
    InterventionAreaFactory,
    NeedFactory,
    UserFactory,
    with_totp,
)

pytestmark = pytest.mark.django_db

NEEDS = "/api/v1/needs/"


def bearer(secret: str) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


def new_token(user, scope="write", days=30):
    return api_tokens.create_token(user=user, name="Integration", scope=scope, lifetime_days=days)


def test_a_token_is_stored_hashed_and_its_secret_shown_once():
    user = UserFactory(role=roles.ACCOUNT_MANAGER)
    token, secret = new_token(user)
    assert secret.startswith("cp_") and len(secret) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.secret_hash, stored.prefix, stored.name)
    assert stored.secret_hash == api_tokens.hash_secret(secret)
    assert secret.startswith(stored.prefix)


def test_bearer_token_authenticates_as_its_owner():
    manager = UserFactory(role=roles.ACCOUNT_MANAGER)
    _token, secret = new_token(manager, scope="read")
    response = bearer(secret).get("/api/v1/matches/")
    assert response.status_code == 200
    # Without the token the same request is refused: the token did the authenticating.
    assert APIClient().get("/api/v1/matches/").status_code == 403


def test_read_token_cannot_write_and_write_token_can():
    user = UserFactory(role=roles.DEPARTMENT)
    department = DepartmentFactory()
    department.members.add(user)
    area = InterventionAreaFactory()
    need = NeedFactory(department=department, area=area)
    _read, read_secret = new_token(user, scope="read")
    _write, write_secret = new_token(user, scope="write")

    refused = bearer(read_secret).post(f"{NEEDS}{need.pk}/review/")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This token may only read."}
    assert bearer(read_secret).get(f"{NEEDS}{need.pk}/").status_code == 200

    answered = bearer(write_secret).post(f"{NEEDS}{need.pk}/review/")
    assert answered.status_code == 200
    # What a write token may change is still its owner's: another department's need is not.
    theirs = NeedFactory(area=area)
    assert bearer(write_secret).post(f"{NEEDS}{theirs.pk}/review/").status_code in (403, 404)


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown", "malformed", "owner gone"])
def test_unusable_tokens_get_a_json_401(state):
    manager = UserFactory(role=roles.ACCOUNT_MANAGER)
    token, secret = new_token(manager)
    header = f"Bearer {secret}"
    if state == "revoked":
        api_tokens.revoke_token(token=token, actor=manager)
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif state == "unknown":
        header = "Bearer cp_" + "x" * 43
    elif state == "malformed":
        header = "Bearer two parts"
    elif state == "owner gone":
        manager.is_active = False
        manager.save()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)

    response = api.get("/api/v1/matches/")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_non_ascii_token_is_a_401_not_a_500():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer cp_é")
    assert api.get("/api/v1/needs/").status_code == 401


def test_stakeholders_and_anonymous_cannot_hold_tokens(client):
    stakeholder = UserFactory(role=roles.STAKEHOLDER)
    with pytest.raises(PermissionDenied):
        new_token(stakeholder)
    client.force_login(stakeholder)
    assert client.get("/api-tokens/").status_code == 403
    assert (
        client.post(
            "/api-tokens/", {"name": "x", "scope": "write", "lifetime_days": 30}
        ).status_code
        == 403
    )
    assert not ApiToken.objects.exists()
    client.logout()
    assert client.get("/api-tokens/").status_code == 302  # to sign-in


def test_a_token_of_someone_who_lost_the_staff_role_stops_working():
    user = UserFactory(role=roles.ACCOUNT_MANAGER)
    _token, secret = new_token(user)
    user.groups.clear()
    user.is_staff = False
    user.save()
    assert bearer(secret).get("/api/v1/needs/").status_code == 401


def test_staff_create_see_once_and_revoke_from_the_page(client):
    manager = with_totp(UserFactory(role=roles.ACCOUNT_MANAGER))
    client.force_login(manager)
    page = client.get("/")
    assert b'href="/api-tokens/"' in page.content

    created = client.post(
        "/api-tokens/", {"name": "Gestionale", "scope": "read", "lifetime_days": 90}
    )

    assert created.status_code == 200
    token = ApiToken.objects.get(user=manager)
    secret = created.context["secret"]
    assert secret.encode() in created.content
    assert token.scope == "read"
    assert 89 <= (token.expires_at - timezone.now()).days <= 90
    again = client.get("/api-tokens/")
    assert secret.encode() not in again.content and b"Gestionale" in again.content
    assert bearer(secret).get("/api/v1/matches/").status_code == 200

    other = UserFactory(role=roles.ACCOUNT_MANAGER)
    theirs, _ = new_token(other)
    assert client.post(f"/api-tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 302
    assert bearer(secret).get("/api/v1/matches/").status_code == 401
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None


def test_bad_form_input_is_a_field_error_and_nothing_is_created(client):
    manager = with_totp(UserFactory(role=roles.ACCOUNT_MANAGER))
    client.force_login(manager)
    response = client.post("/api-tokens/", {"name": " ", "scope": "admin", "lifetime_days": "7"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scope", "lifetime_days"}
    assert not ApiToken.objects.exists()


def test_staff_without_a_second_factor_cannot_reach_the_token_page(client):
    manager = UserFactory(role=roles.ACCOUNT_MANAGER)
    client.force_login(manager)
    response = client.get("/api-tokens/")
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"]


def test_create_revoke_and_daily_use_are_audited():
    manager = UserFactory(role=roles.ACCOUNT_MANAGER)
    token, secret = new_token(manager)
    api = bearer(secret)
    for _ in range(3):
        assert api.get("/api/v1/matches/").status_code == 200
    used = AuditEntry.objects.filter(action="contactpoint.api_token.used", object_id=str(token.pk))
    assert used.count() == 1
    token.refresh_from_db()
    assert token.last_used_at is not None

    # A day later the next use is audited again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(days=1))
    assert api.get("/api/v1/matches/").status_code == 200
    assert used.count() == 2

    api_tokens.revoke_token(token=token, actor=manager)
    api_tokens.revoke_token(token=token, actor=manager)
    actions = list(
        AuditEntry.objects.filter(
            object_id=str(token.pk), action__startswith="contactpoint.api_token"
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "contactpoint.api_token.created",
        "contactpoint.api_token.used",
        "contactpoint.api_token.used",
        "contactpoint.api_token.revoked",
    ]


def test_superusers_see_every_token_in_the_admin_without_its_secret(client):
    admin_user = with_totp(UserFactory(is_superuser=True, is_staff=True))
    manager = UserFactory(role=roles.ACCOUNT_MANAGER)
    token, secret = new_token(manager)
    client.force_login(admin_user)
    listing = client.get("/admin/contactpoint/apitoken/")
    assert listing.status_code == 200
    assert token.prefix.encode() in listing.content
    detail = client.get(f"/admin/contactpoint/apitoken/{token.pk}/change/")
    assert detail.status_code == 200
    assert secret.encode() not in listing.content + detail.content
    assert token.secret_hash.encode() not in detail.content

    staff = with_totp(UserFactory(role=roles.TEAM_LEAD))
    client.force_login(staff)
    assert client.get("/admin/contactpoint/apitoken/").status_code == 403


def test_the_schema_documents_the_bearer_scheme(client):
    schema = client.get("/api/schema/?format=json").json()
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["tokenAuth"]["description"],
    }
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/matches/"]["get"]["security"]
