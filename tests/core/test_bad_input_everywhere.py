"""Bad input never gets a 500 or a half-written record, on every form, API create and admin action.

The endpoints are discovered, not listed: every page of the URL resolver that answers a GET
(for an anonymous visitor, a stakeholder or a superuser, with the ids of a small world of
records) has its forms' fields fuzzed; every POST operation of the OpenAPI schema gets JSON
bodies with its properties fuzzed; every admin action of every registered model gets bad
selections, and every custom admin page with an object id gets malformed ids. A new page,
endpoint or action is covered without touching this file.
"""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactpoint import roles
from tests.factories import (
    InterventionAreaFactory,
    MatchFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    UserFactory,
    with_totp,
)

pytestmark = pytest.mark.django_db

BAD_STRINGS = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfff",
    "\u202egnp.exe",
    "\u200f\u202b\u2066",
    "A" * 10_001,
    "9" * 400,
    "-1",
    "0",
    "1e309",
    "NaN",
    "-inf",
    "99999999999999999999999",
    "-99999999999999999999",
    "2026-02-30",
    "2026-13-01",
    "31/31/2026",
    "0000-00-00",
    "1.5",
    "0x1F",
    "",
    " ",
    "null",
    "[]",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "\\u0000",
]
BAD_JSON = [
    2**63,
    -(2**63) - 1,
    10**40,
    1e308,
    -1,
    0,
    1.5,
    True,
    None,
    [],
    {},
    ["\x00"],
    {"\x00": 1},
    [[[]]],
]
bad_text = st.sampled_from(BAD_STRINGS) | st.text(max_size=30)
bad_json = bad_text | st.sampled_from(BAD_JSON)
BAD_IDS = ["abc", "%00", quote("\x00"), "1.5", "-1", "99999999999999999999999", "1e3", "%20"]

FIELD_RE = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"", re.I)
FORM_RE = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.I | re.S)
SKIP_PREFIXES = ("/admin/", "/api/", "/static/", "/media/", "/accounts/logout", "/health/")
NOT_FUZZED = {"csrfmiddlewaretoken"}
# Sessions and caches change on any request; they are no business record.
NOT_COUNTED = {Session._meta.db_table}


def form_encode(values: dict[str, str]) -> str:
    """URL-encode as a browser would send the bytes: a lone surrogate becomes %ED%A0%80."""
    return urlencode(
        {key: value.encode("utf-8", "surrogatepass") for key, value in values.items()},
        quote_via=quote,
    )


def row_counts() -> dict[str, int]:
    """Every table's row count in one query."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
        - NOT_COUNTED
    )
    existing = set(connection.introspection.table_names())
    tables = [t for t in tables if t in existing]
    sql = " UNION ALL ".join(
        f"SELECT '{t}', count(*) FROM {connection.ops.quote_name(t)}" for t in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def check(response: Any, before: dict[str, int], what: str) -> None:
    """No 5xx; a refusal (4xx) or a re-displayed form (200 to a write) wrote nothing."""
    assert response.status_code < 500, what
    if response.status_code == 200 or response.status_code >= 400:
        after = row_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        assert not changed, f"{what} answered {response.status_code} but wrote {changed}"


@pytest.fixture
def world() -> dict[str, Any]:
    """A few records of each kind, so pages with ids can be reached, and three clients."""
    superuser = UserFactory(is_superuser=True, is_staff=True)
    with_totp(superuser)
    stakeholder = UserFactory(role=roles.STAKEHOLDER)
    organisation = OrganisationFactory()
    OrganisationMembershipFactory(user=stakeholder, organisation=organisation)
    area = InterventionAreaFactory(slug="area-bad-input")
    # The offer's contact belongs to its organisation (OfferFactory's default).
    match = MatchFactory(offer__organisation=organisation, need__area=area)
    offer, need, contact = match.offer, match.need, match.offer.contact
    clients = {"anonymous": Client()}
    for name, user in (("stakeholder", stakeholder), ("superuser", superuser)):
        clients[name] = Client()
        clients[name].force_login(user)
    ids = sorted(
        {o.pk for o in (organisation, contact, offer, need, match, stakeholder, area)}
        | {need.department_id}
    )
    slugs = [area.slug, offer.tracking_token, "x"]
    return {"clients": clients, "ids": ids, "slugs": slugs}


def _routes(patterns: list[Any], prefix: str = "") -> list[tuple[str, dict[str, str]]]:
    """(route with <converter:name> placeholders, {name: converter}) for every path()."""
    found = []
    for entry in patterns:
        pattern = entry.pattern
        route = getattr(pattern, "_route", None)
        if route is None:
            regex = pattern.regex.pattern
            if "(" in regex:
                continue  # regex routes with groups: none of ours
            route = regex.lstrip("^").rstrip("$").replace("\\", "")
        if isinstance(entry, URLResolver):
            found.extend(_routes(entry.url_patterns, prefix + route))
        elif isinstance(entry, URLPattern):
            converters = re.findall(r"<(?:(\w+):)?(\w+)>", prefix + route)
            found.append((prefix + route, {name: conv or "str" for conv, name in converters}))
    return found


def _fill(route: str, values: dict[str, Any]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def discover_pages(world: dict[str, Any]) -> list[dict[str, Any]]:
    """Every page that answers 200 to someone, with the fields of its forms."""
    pages = []
    for route, params in _routes(get_resolver().url_patterns):
        if ("/" + route).startswith(SKIP_PREFIXES):
            continue
        candidates = [
            world["ids"] if converter == "int" else world["slugs"] for converter in params.values()
        ]
        for combo in itertools.product(*candidates):
            url = _fill(route, dict(zip(params, combo, strict=True)))
            found = _first_page(world, url)
            if found:
                pages.extend(found)
                break
    return pages


def _first_page(world: dict[str, Any], url: str) -> list[dict[str, Any]]:
    """The page as the first client it answers 200 to; POST-only pages (405 to a GET) as
    every signed-in client, with the field names such action pages commonly read."""
    post_only = False
    for who, client in world["clients"].items():
        cache.clear()
        response = client.get(url)
        post_only = post_only or response.status_code == 405
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        post_fields: set[str] = set()
        get_fields: set[str] = set()
        for attributes, body in FORM_RE.findall(html):
            names = set(FIELD_RE.findall(body)) - NOT_FUZZED
            if re.search(r"method=\"post\"", attributes, re.I):
                action = re.search(r"action=\"([^\"]*)\"", attributes)
                if action is None or action.group(1) in ("", url):
                    post_fields |= names
            else:
                get_fields |= names
        return [{"url": url, "who": who, "post": sorted(post_fields), "get": sorted(get_fields)}]
    if post_only:
        fields = ["reason", "status", "note", "confirm", "quantity"]
        return [
            {"url": url, "who": who, "post": fields, "get": []}
            for who in world["clients"]
            if who != "anonymous"
        ]
    return []


FUZZ = settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_every_page_and_form_refuses_bad_input_without_a_500(world):
    pages = discover_pages(world)
    urls = {page["url"] for page in pages}
    # The discovery reaches the public and private forms that matter.
    assert "/offers/new/" in urls and "/needs/" in urls and "/my/" in urls
    assert any(page["post"] for page in pages)
    assert any(url.endswith("/publish/") for url in urls)  # a POST-only action page
    assert len(urls) >= 30
    for page in pages:
        fuzz_page(page, world["clients"][page["who"]])()


def fuzz_page(page: dict[str, Any], client: Client) -> Any:
    fields = page["post"] + page["get"] + ["page", "q", "next"]

    @FUZZ
    @given(values=st.fixed_dictionaries(dict.fromkeys(fields, bad_text)))
    def fuzz(values: dict[str, str]) -> None:
        cache.clear()
        before = row_counts()
        query = form_encode(values)
        check(client.get(f"{page['url']}?{query}"), before, f"GET {page['url']} {values!r}")
        if page["post"]:
            cache.clear()
            response = client.post(
                page["url"], query, content_type="application/x-www-form-urlencoded"
            )
            check(response, before, f"POST {page['url']} {values!r}")

    return fuzz


def _api_creates() -> list[tuple[str, list[str]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    creates = []
    for url, operations in schema["paths"].items():
        post = operations.get("post")
        if post is None or "{" in url:
            continue
        content = post.get("requestBody", {}).get("content", {})
        body = content.get("application/json", {}).get("schema", {})
        ref = body.get("$ref", "")
        properties = body.get("properties")
        if ref:
            properties = schema["components"]["schemas"][ref.rsplit("/", 1)[1]].get(
                "properties", {}
            )
        creates.append((url, sorted(properties or {})))
    return creates


def test_every_api_create_refuses_bad_json_without_a_500(world):
    creates = _api_creates()
    assert "/api/v1/offers/" in {url for url, _ in creates}
    for url, properties in creates:
        for who in ("anonymous", "superuser"):
            fuzz_api(url, properties, world["clients"][who])()


def fuzz_api(url: str, properties: list[str], client: Client) -> Any:
    @FUZZ
    @given(body=st.fixed_dictionaries(dict.fromkeys(properties, bad_json)))
    def fuzz(body: dict[str, Any]) -> None:
        cache.clear()
        before = row_counts()
        response = client.post(url, body, content_type="application/json")
        check(response, before, f"POST {url} {body!r}")

    return fuzz


def test_every_admin_action_and_action_page_refuses_bad_ids_without_a_500(world):
    client = world["clients"]["superuser"]
    request = client.get("/admin/").wsgi_request
    covered = 0
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = f"/admin/{opts.app_label}/{opts.model_name}/"
        for action in model_admin.get_actions(request):
            for bad in [*BAD_IDS, "\x00", "\ud800"]:
                cache.clear()
                before = row_counts()
                response = client.post(
                    changelist,
                    form_encode({"action": action, "_selected_action": bad, "index": "0"}),
                    content_type="application/x-www-form-urlencoded",
                )
                check(response, before, f"action {action} on {changelist} with {bad!r}")
                covered += 1
        for route, params in _routes(model_admin.get_urls()):
            if "object_id" not in params and "pk" not in params:
                continue
            for bad in BAD_IDS:
                url = changelist + _fill(route, dict.fromkeys(params, bad))[1:]
                for method in (client.get, client.post):
                    cache.clear()
                    before = row_counts()
                    check(method(url), before, f"{method.__name__.upper()} {url}")
                    covered += 1
    assert covered > 50
