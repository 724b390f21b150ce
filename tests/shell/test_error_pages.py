"""403, 404 and 500 pages in the site's look, saying what happened and where to go."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.utils import translation

from contactpoint import roles, views
from tests.factories import UserFactory, with_totp

pytestmark = pytest.mark.django_db

SITE_LOOK = ('class="it-header-wrapper"', "bootstrap-italia.min.css", 'class="it-footer')


def assert_site_look(html: str) -> None:
    for marker in SITE_LOOK:
        assert marker in html


@pytest.fixture
def visitor(client):
    client.raise_request_exception = False
    return client


def error_page(visitor, path: str, language: str, status: int) -> str:
    """``path`` asked in ``language``: the status, the page's language and the site's look
    checked; the page's HTML returned."""
    response = visitor.get(path, headers={"accept-language": language})
    html = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{language}">' in html
    assert_site_look(html)
    return html


@pytest.mark.parametrize(
    ("language", "heading", "home"),
    [
        ("it", "Non troviamo questa pagina", "La pagina iniziale"),
        ("en", "We cannot find this page", "The home page"),
    ],
)
def test_404_is_styled_and_says_where_to_go(visitor, language, heading, home):
    html = error_page(visitor, "/no-such-page/", language, 404)

    assert heading in html
    assert f'<a href="/">{home}</a>' in html
    assert 'href="/needs/"' in html


@pytest.mark.parametrize(
    ("language", "heading"),
    [("it", "Non puoi aprire questa pagina"), ("en", "You cannot open this page")],
)
def test_403_is_styled_and_links_the_persons_own_work(visitor, language, heading):
    stakeholder = UserFactory(role=roles.STAKEHOLDER)
    visitor.force_login(stakeholder)

    response = visitor.get("/overview/", headers={"accept-language": language})

    html = response.content.decode()
    assert response.status_code == 403
    assert_site_look(html)
    assert heading in html
    assert '<a href="/my/" data-place="my">' in html


def test_403_for_a_department_user_links_the_workspace(visitor):
    user = with_totp(UserFactory(role=roles.DEPARTMENT))
    visitor.force_login(user)

    html = visitor.get("/team/").content.decode()

    assert '<a href="/workspace/" data-place="workspace">' in html


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("it", "Qualcosa non ha funzionato da parte nostra"),
        ("en", "Something went wrong on our side"),
    ],
)
def test_500_is_styled_in_the_visitors_language(visitor, settings, language, heading):
    settings.ROOT_URLCONF = "tests.shell.error_urls"

    html = error_page(visitor, "/broken/", language, 500)

    assert heading in html
    assert 'href="/needs/"' in html


def test_500_page_renders_without_the_database(django_assert_num_queries):
    request = RequestFactory().get("/broken/")
    # No session, no user, no context processor: the database may be what failed.
    with translation.override("it"), django_assert_num_queries(0):
        response = views.server_error(request)
    assert response.status_code == 500
    assert "Qualcosa non ha funzionato" in response.content.decode()
