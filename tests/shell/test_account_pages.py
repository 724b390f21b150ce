"""allauth's pages render inside the portal shell, with accessible bootstrap-italia forms."""

from __future__ import annotations

import re

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_login_page_uses_the_portal_shell(client):
    html = squash(client.get("/accounts/login/").content.decode())

    assert '<html lang="it">' in html
    assert '<header class="it-header-wrapper">' in html
    assert re.search(r"<title> Accedi - Contact Point - Comune di Milano </title>", html)
    assert re.search(r'<h1 class="mb-4">\s*Accedi\s*</h1>', html)
    # Labels are always visible and tied to their inputs (allauth's default hides them).
    assert '<label for="id_login" class="active"> Email </label>' in html
    assert 'id="id_login" autocomplete="email"' in html
    assert 'type="email" class="form-control"' in html
    assert '<label for="id_password" class="active"> Password </label>' in html


def test_signup_errors_are_shown_next_to_their_fields(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "not-an-address", "password1": "s3cret-Pass-2026", "password2": "other"},
    )

    assert response.status_code == 200
    html = squash(response.content.decode())
    assert 'class="alert alert-danger mb-5" role="alert"' in html
    assert (
        'class="form-control is-invalid" aria-invalid="true" aria-describedby="id_email-error"'
    ) in html
    assert (
        '<div class="invalid-feedback" id="id_email-error"> Inserisci un indirizzo email valido'
    ) in html
    # The password typed is never sent back to the browser.
    assert "s3cret-Pass-2026" not in html


def test_password_help_is_tied_to_the_password_field(client):
    html = squash(client.get("/accounts/signup/").content.decode())

    assert 'aria-describedby="id_password1-help"' in html
    assert '<div class="form-text" id="id_password1-help">' in html


def test_wrong_credentials_are_announced_as_an_alert(client):
    response = client.post(
        "/accounts/login/", {"login": "nobody@example.org", "password": "wrong-password"}
    )

    html = squash(response.content.decode())
    assert '<div class="alert alert-danger mb-5" role="alert">' in html
    assert "non sono corretti" in html


def test_account_settings_pages_have_their_side_menu(client):
    user = UserFactory()
    client.force_login(user)

    html = squash(client.get("/accounts/password/change/").content.decode())

    assert '<nav class="link-list-wrapper" aria-label="Impostazioni dell\'account">' in html
    assert 'href="/accounts/password/change/" aria-current="page"' in html


def test_admin_carries_the_portal_name(client):
    # City staff must have a second factor before reaching the admin.
    admin = UserFactory(superuser=True, totp=True)
    client.force_login(admin)

    html = squash(client.get("/admin/").content.decode())

    assert '<a href="/admin/">Contact Point - amministrazione</a>' in html
    assert "Contact Point - Comune di Milano </title>" in html
    assert "Django" not in html.split("<body")[1]
