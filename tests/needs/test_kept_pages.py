"""Public pages kept for anonymous visitors: every change shows at once, in both languages;
signed-in people never get a kept page; a kept page costs one query whatever the rows."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contactpoint.pagecache import clear_local
from needs import services
from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _version_trusted_for_the_test(settings):
    """A process trusts the catalogue version it read for ``PAGE_CACHE_VERSION_MS``: long
    enough here that a slow machine never lets it lapse between two requests of a test
    (the lapse itself is tested below with 0)."""
    settings.PAGE_CACHE_VERSION_MS = 600_000


LANGUAGES = {"it": {"HTTP_ACCEPT_LANGUAGE": "it"}, "en": {"HTTP_ACCEPT_LANGUAGE": "en"}}


def page(client, url, language="it", **headers):
    response = client.get(url, **LANGUAGES[language], **headers)
    return response.status_code, response.content.decode()


def queries(client, url, language="it", **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **LANGUAGES[language], **headers).status_code == 200
    return len(ctx.captured_queries)


def keep(client, *urls):
    """Visit each page in both languages until it is served from the kept pages."""
    for url in urls:
        for language in LANGUAGES:
            page(client, url, language)
            assert queries(client, url, language) == 0  # kept; the version was read just before


def test_a_published_draft_shows_at_once_in_the_catalogue_in_both_languages(
    client, draft_x, member_x
):
    keep(client, "/needs/")
    assert draft_x.title not in page(client, "/needs/")[1]

    services.publish_need(need=draft_x, actor=member_x)

    for language in LANGUAGES:
        assert draft_x.title in page(client, "/needs/", language)[1]
        status, html = page(client, f"/needs/{draft_x.pk}/", language)
        assert status == 200
        assert draft_x.title in html


def test_an_edited_need_shows_its_new_text_on_the_catalogue_and_its_page(client, need_x, member_x):
    detail = f"/needs/{need_x.pk}/"
    keep(client, "/needs/", detail)

    services.update_need(need=need_x, actor=member_x, title="Tablet per la biblioteca di quartiere")

    for language in LANGUAGES:
        for url in ("/needs/", detail):
            html = page(client, url, language)[1]
            assert "Tablet per la biblioteca di quartiere" in html
            assert "Computer per la scuola X" not in html


def test_a_closed_need_leaves_the_catalogue_and_its_page_at_once(client, need_x, member_x):
    detail = f"/needs/{need_x.pk}/"
    keep(client, "/needs/", detail)

    services.close_need(need=need_x, actor=member_x, reason="Risolto altrove")

    for language in LANGUAGES:
        assert need_x.title not in page(client, "/needs/", language)[1]
        assert page(client, detail, language)[0] == 404


def test_an_expired_need_leaves_the_catalogue_at_once(client, department_x):
    need = NeedFactory(
        department=department_x,
        title="Banchi per la sala studio",
        wanted_by=timezone.localdate() + datetime.timedelta(days=3),
    )
    keep(client, "/needs/")
    assert need.title in page(client, "/needs/")[1]

    assert services.expire_needs(today=timezone.localdate() + datetime.timedelta(days=10)) == 1

    for language in LANGUAGES:
        assert need.title not in page(client, "/needs/", language)[1]


def test_a_renamed_department_shows_in_english_at_once(client, need_x, department_x):
    keep(client, "/needs/")
    assert "Department X" in page(client, "/needs/", "en")[1]

    department_x.name_en = "Digital Inclusion Office"
    department_x.save()

    assert "Digital Inclusion Office" in page(client, "/needs/", "en")[1]
    assert "Direzione X" in page(client, "/needs/", "it")[1]


def test_the_two_languages_are_kept_apart(client, need_x):
    keep(client, "/needs/")

    italian, english = page(client, "/needs/", "it")[1], page(client, "/needs/", "en")[1]
    assert '<html lang="it">' in italian
    assert "Direzione X" in italian
    assert '<html lang="en">' in english
    assert "Department X" in english


def test_signed_in_people_never_get_the_anonymous_page_nor_leave_theirs(client, need_x, member_x):
    keep(client, "/", "/needs/", f"/needs/{need_x.pk}/")
    person = Client()
    person.force_login(member_x)

    for url in ("/", "/needs/", f"/needs/{need_x.pk}/"):
        html = page(person, url)[1]
        assert "cp-logout" in html  # the sign-out button, not "Sign in"
        assert 'data-place="workspace"' in html  # their own work place in the menu
        # ...and nothing of theirs reaches the anonymous visitors afterwards
        anonymous = page(client, url)[1]
        assert "cp-logout" not in anonymous
        assert 'data-place="workspace"' not in anonymous


def test_htmx_fragment_and_whole_page_are_kept_apart(client, need_x):
    htmx = {"HTTP_HX_REQUEST": "true"}
    for _ in range(2):  # the second round is served from the kept pages
        fragment = page(client, "/needs/", **htmx)[1]
        whole = page(client, "/needs/")[1]
        assert "<html" not in fragment
        assert need_x.title in fragment
        assert 'hx-swap-oob="innerHTML"' in fragment
        assert "<html" in whole
        assert 'hx-swap-oob="innerHTML"' not in whole
    # a history restore (back button) needs the whole page, even though htmx asks
    restore = {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}
    assert "<html" in page(client, "/needs/", **restore)[1]


def test_each_visitor_gets_a_csrf_token_and_cookie_of_their_own(client, need_x):
    from django.middleware.csrf import _unmask_cipher_token

    keep(client, "/needs/")
    secrets = set()
    for _ in range(2):
        visitor = Client()
        response = visitor.get("/needs/")
        html = response.content.decode()
        token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        cookie = response.cookies["csrftoken"].value
        assert _unmask_cipher_token(token) == cookie
        secrets.add(cookie)
    assert len(secrets) == 2


def make_needs(department, count):
    for i in range(count):
        NeedFactory(department=department, title=f"Computer numero {i}")


@pytest.mark.parametrize("url", ["/", "/needs/", "/needs/?page=2", "/needs/{pk}/", "/offers/new/"])
def test_kept_pages_cost_one_query_and_fresh_ones_do_not_grow_with_the_rows(
    client, department_x, url
):
    make_needs(department_x, 30)
    pk = NeedFactory(department=department_x).pk
    url = url.format(pk=pk)
    counts = []
    for more in (0, 90):
        make_needs(department_x, more)
        page(client, url)  # warm (content types, translations)
        clear_local()
        counts.append((queries(client, url), queries(client, url)))
    fresh, kept = counts[0]
    assert counts[0] == counts[1]
    assert kept == 0  # the catalogue version was read by the fresh request just before
    # The catalogue version, then the page's own queries: none for home; the catalogue's
    # are listed in tests/needs/test_query_counts.py (need page: the need, its NIL's
    # Municipi); the offer form's option lists (areas, Municipi, NIL with their Municipi)
    # and the consent texts in force.
    expected = {"/": 1, "/needs/": 7, "/needs/?page=2": 7, "/offers/new/": 6}
    assert fresh == expected.get(url, 3)


def test_a_kept_page_reads_the_catalogue_version_once_its_time_is_up(client, settings):
    settings.PAGE_CACHE_VERSION_MS = 0  # always past: every request reads it
    page(client, "/")
    assert queries(client, "/") == 1
