"""Sign-in through allauth: e-mail login, verified sign-up, TOTP for city staff, rate limits."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
)
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from contactpoint import roles
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db]

PASSWORD = "Lampione-di-Brera-1891"
LOGIN_URL = "/accounts/login/"
MFA_AUTHENTICATE_URL = "/accounts/2fa/authenticate/"
TOTP_PERIOD = 30


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters and used TOTP codes live in the cache: start and end empty."""
    cache.clear()
    yield
    cache.clear()


def stakeholder(email: str):
    # The username differs from the e-mail, so a login with it proves e-mail is what counts.
    return UserFactory(
        email=email,
        username=f"user-{email.split('@')[0]}",
        password=PASSWORD,
        role=roles.STAKEHOLDER,
        verified=True,
    )


def manager(*, totp: bool):
    return UserFactory(
        email="manager@example.org",
        username="user-manager",
        password=PASSWORD,
        role=roles.ACCOUNT_MANAGER,
        verified=True,
        totp=totp,
    )


def current_totp_code(user) -> str:
    """The code an authenticator app shows now, computed from the stored secret."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    if TOTP_PERIOD - time.time() % TOTP_PERIOD < 2:
        time.sleep(2)  # too close to the next period: the code would expire before it is checked
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD))


def failed_logins_allowed_per_account() -> int:
    """The N of the "N/period/key" part of allauth's failed-login rate limit."""
    rates = settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")
    return int(next(rate for rate in rates if rate.endswith("/key")).split("/")[0])


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def error_codes(response) -> set[str]:
    form = response.context["form"]
    return {error.code for errors in form.errors.as_data().values() for error in errors}


def test_login_uses_the_email_address(client):
    user = stakeholder("stakeholder@example.org")

    response = client.post(LOGIN_URL, {"login": "stakeholder@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("offers:my_area")  # a stakeholder's work
    assert logged_in_user_id(client) == str(user.pk)


def test_login_with_the_username_is_refused(client):
    user = stakeholder("stakeholder@example.org")

    response = client.post(LOGIN_URL, {"login": user.username, "password": PASSWORD})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert logged_in_user_id(client) is None


def test_stakeholder_logs_in_without_a_second_factor(client):
    stakeholder("stakeholder@example.org")

    response = client.post(
        LOGIN_URL, {"login": "stakeholder@example.org", "password": PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert [url for url, _ in response.redirect_chain] == ["/my/"]
    assert response.wsgi_request.user.email == "stakeholder@example.org"


def test_self_signup_needs_email_verification_before_login(client, mailoutbox):
    response = client.post(
        "/accounts/signup/",
        {"email": "new.company@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert logged_in_user_id(client) is None
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.company@example.org"]
    user = get_user_model().objects.get(email="new.company@example.org")
    assert not EmailAddress.objects.get(user=user).verified

    # A login before verification stops at the "check your e-mail" page.
    client.logout()
    response = client.post(LOGIN_URL, {"login": "new.company@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert logged_in_user_id(client) is None

    confirm_url = re.search(r"/accounts/confirm-email/[^/\s]+/", mailoutbox[0].body).group(0)
    assert client.get(confirm_url).status_code == 200
    client.post(confirm_url)
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    response = client.post(LOGIN_URL, {"login": "new.company@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_staff_without_totp_is_sent_to_activate_it(client):
    manager(totp=False)
    activate_url = reverse("mfa_activate_totp")

    response = client.post(
        LOGIN_URL, {"login": "manager@example.org", "password": PASSWORD}, follow=True
    )

    assert activate_url in [url for url, _ in response.redirect_chain]
    admin = client.get("/admin/")
    assert admin.status_code == 302
    assert admin["Location"] == activate_url
    assert client.get("/").status_code == 302


def test_staff_with_totp_must_enter_the_right_code(client):
    user = manager(totp=True)

    response = client.post(LOGIN_URL, {"login": "manager@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == MFA_AUTHENTICATE_URL
    assert logged_in_user_id(client) is None
    assert client.get("/admin/").status_code == 302

    right = current_totp_code(user)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(MFA_AUTHENTICATE_URL, {"code": wrong})
    assert response.status_code == 200
    assert "incorrect_code" in error_codes(response)
    assert logged_in_user_id(client) is None

    response = client.post(MFA_AUTHENTICATE_URL, {"code": right})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)
    assert client.get("/admin/").status_code == 200


def test_admin_login_form_cannot_bypass_allauth_and_the_second_factor(client):
    manager(totp=True)

    page = client.get("/admin/login/")
    assert page.status_code == 302
    assert page["Location"].startswith(LOGIN_URL + "?next=")

    # Django's own admin login form, posted directly: nobody is signed in.
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "manager@example.org", "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert logged_in_user_id(client) is None
    assert client.get("/admin/").status_code == 302


def test_repeated_failed_logins_lock_the_account_even_for_the_right_password(client):
    stakeholder("stakeholder@example.org")
    for _ in range(failed_logins_allowed_per_account()):
        response = client.post(
            LOGIN_URL, {"login": "stakeholder@example.org", "password": "wrong-password"}
        )
        assert response.status_code == 200
        assert "too_many_login_attempts" not in error_codes(response)

    # allauth answers with a form error (not a 429) and refuses even the right password.
    response = client.post(LOGIN_URL, {"login": "stakeholder@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "too_many_login_attempts" in error_codes(response)
    assert logged_in_user_id(client) is None


def test_failed_login_limit_is_per_account(client):
    stakeholder("stakeholder@example.org")
    stakeholder("other@example.org")
    for _ in range(failed_logins_allowed_per_account() + 1):
        client.post(LOGIN_URL, {"login": "stakeholder@example.org", "password": "wrong-password"})

    response = client.post(LOGIN_URL, {"login": "other@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in_user_id(client) is not None


def test_cache_lives_in_postgresql_even_with_redis_so_a_broker_outage_refuses_nobody():
    # Rate limits (offers, API, allauth) read the cache on every sign-in and submission.
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    # The test database is created with createcachetable, as `make migrate` does.
    assert settings.CACHES["default"]["LOCATION"] in connection.introspection.table_names()
    cache.set("contactpoint-test", "ok", 30)
    assert cache.get("contactpoint-test") == "ok"
