"""The public shell: Italian by default, English on request, legal pages, security headers."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from tests.factories import UserFactory
from tests.fixtures.pages import assert_shows

pytestmark = pytest.mark.django_db

ITALIAN_HEADING = "Vuoi aiutare la città? Parti da qui."
ENGLISH_HEADING = "Want to help the city? Start here."


def switch_language(client, language: str, next_url: str = "/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


def test_home_is_italian_by_default(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="it">' in html
    assert ITALIAN_HEADING in html
    assert "Offri aiuto" in html
    assert "Fabbisogni aperti" in html


def test_home_follows_the_browser_language_when_no_choice_was_made(client):
    response = client.get("/", headers={"accept-language": "en-GB,en;q=0.9"})

    assert '<html lang="en">' in response.content.decode()


def test_language_switch_to_english_and_back(client):
    response = switch_language(client, "en")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert ENGLISH_HEADING in html
    assert "Open needs" in html

    switch_language(client, "it")
    html = client.get("/").content.decode()
    assert '<html lang="it">' in html
    assert ITALIAN_HEADING in html


def test_language_switch_marks_the_current_language_and_returns_to_the_same_page(client):
    html = " ".join(client.get("/privacy/").content.decode().split())
    assert '<input type="hidden" name="next" value="/privacy/">' in html
    assert re.search(r'value="it" class="[^"]*" aria-current="true"', html)
    assert not re.search(r'value="en" class="[^"]*" aria-current', html)

    response = switch_language(client, "en", "/privacy/")
    assert response["Location"] == "/privacy/"


def test_language_switch_refuses_to_redirect_off_site(client):
    response = switch_language(client, "en", "https://evil.example/")

    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("path", "language", "heading"),
    [
        ("/privacy/", "it", "Informativa privacy"),
        ("/privacy/", "en", "Privacy notice"),
        ("/accessibility/", "it", "Dichiarazione di accessibilità"),
        ("/accessibility/", "en", "Accessibility statement"),
    ],
)
def test_privacy_and_accessibility_pages_render(client, path, language, heading):
    switch_language(client, language)

    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert settings.CONTACTPOINT_CONTACT_EMAIL in html
    assert settings.CONTACTPOINT_CITY in html


def test_privacy_notice_names_the_rights_and_where_to_exercise_them(client):
    html = client.get("/privacy/").content.decode()

    assert "Titolare del trattamento" in html
    assert 'href="/my/"' in html
    assert "garanteprivacy.it" in html


def test_accessibility_statement_has_the_agid_sections(client):
    html = client.get("/accessibility/").content.decode()

    assert "parzialmente conforme" in html
    assert "Difensore civico per il digitale" in html
    assert "25 novembre 2026" in html


def test_footer_links_to_legal_pages_api_and_contact(client):
    html = client.get("/").content.decode()

    assert 'href="/privacy/"' in html
    assert 'href="/accessibility/"' in html
    assert 'href="/api/docs/"' in html
    assert f'href="mailto:{settings.CONTACTPOINT_CONTACT_EMAIL}"' in html


def test_navigation_marks_the_current_page_and_offers_login(client):
    html = client.get("/").content.decode()

    assert_shows(
        html,
        '<a class="skip-link" href="#main">',
        '<main id="main"',
        'aria-current="page"><span>Home</span>',
    )
    # From the home page nobody is sent back home: each person lands on their work.
    assert 'href="/accounts/login/"' in html


def test_logged_in_user_gets_a_logout_form_not_a_link(client):
    user = UserFactory()
    client.force_login(user)

    html = client.get("/").content.decode()

    assert '<form action="/accounts/logout/" method="post">' in html
    assert "Esci" in html


def test_messages_are_shown_as_alerts(client):
    user = UserFactory()
    client.force_login(user)

    # allauth adds a "signed out" message on logout and redirects home.
    response = client.post("/accounts/logout/", follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/"
    assert '<div class="alert alert-success alert-dismissible fade show"' in html
    assert 'role="alert"' in html


def test_security_headers(client):
    response = client.get("/")

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(client):
    for path in ("/", "/privacy/", "/accessibility/", "/accounts/login/", "/accounts/signup/"):
        html = client.get(path).content.decode()
        assert "<script>" not in html, path
        assert "<style" not in html, path
        assert " style=" not in html, path
        for line in html.splitlines():
            if "<script" in line:
                assert " src=" in line, (path, line)


@pytest.mark.parametrize("path", ["/", "/accessibility/"])
@pytest.mark.parametrize("language", ["it", "en"])
def test_pages_promise_only_what_exists(client, path, language):
    """Every place the page links to is there: each internal link answers, none is a 404."""
    html = client.get(path, headers={"accept-language": language}).content.decode()
    links = set(re.findall(r'<a\b[^>]*\bhref="(/[^"#]*)"', html)) - {"/"}

    assert {"/needs/", "/offers/new/", "/vademecum/", "/showcase/"} <= {
        link.split("?")[0] for link in links
    }
    for link in sorted(links):
        status = client.get(link, headers={"accept-language": language}).status_code
        assert status in (200, 302), (link, status)


@pytest.mark.parametrize(("language", "wording"), [("it", "Accedi"), ("en", "Sign in")])
def test_one_wording_for_signing_in(client, language, wording):
    """The header's link and the sign-in page say the same thing."""
    home = client.get("/", headers={"accept-language": language}).content.decode()
    login = client.get("/accounts/login/", headers={"accept-language": language}).content.decode()

    assert f"<span>{wording}</span>" in home
    assert wording in login
    for other in ("Sign In", "Log in", "Log In", "Login"):
        assert other not in re.sub(r"<[^>]+>", " ", home + login)
