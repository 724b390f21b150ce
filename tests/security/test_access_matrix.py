"""The access matrix (access_matrix.py) tried cell by cell on one world, and its coverage.

One world for the whole module, inside a transaction rolled back at the end; each cell runs
in its own savepoint, so an allowed write (publishing, withdrawing) leaves the next cell the
same world.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace

import pytest
from django.conf import settings
from django.contrib import admin as django_admin
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from contactpoint import landing
from matching.models import Match
from tests.security.access_matrix import (
    EXEMPT,
    EXEMPT_PREFIXES,
    FOREIGN,
    Row,
    all_rows,
)
from tests.security.access_world import NAMES, ROLES, World, build_world

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
TEXT_TYPES = ("text/", "application/json", "application/javascript")


def cached_templates() -> list[dict]:
    """The template settings with production's cached loader (parsed once for the module)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    options = templates[0]["OPTIONS"]
    if options["loaders"][0][0] != "django.template.loaders.cached.Loader":
        options["loaders"] = [("django.template.loaders.cached.Loader", options["loaders"])]
    return templates


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with (
        override_settings(TEMPLATES=cached_templates()),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        built = build_world()
        # One signed-in client per role, its session kept for the whole module.
        built.clients = {role: Client() for role in ROLES}
        for role, client in built.clients.items():
            if built.user(role).is_authenticated:
                client.force_login(built.user(role))
        built.objects["sessions"] = {
            role: client.cookies[settings.SESSION_COOKIE_NAME].value
            for role, client in built.clients.items()
            if settings.SESSION_COOKIE_NAME in client.cookies
        }
        yield built
        transaction.set_rollback(True)


def cells() -> list:
    return [
        pytest.param(row, role, id=f"{row.id} as {role}") for row in all_rows() for role in ROLES
    ]


def state(world: World, row: Row):
    """The field an admin action changes, read afresh from the database."""
    if not row.effect:
        return None
    name, field = row.effect.split(".")
    instance = getattr(world, name)
    return type(instance).objects.values_list(field, flat=True).get(pk=instance.pk)


def form_data(world: World, row: Row) -> dict:
    return {key: value.format(w=world) for key, value in (row.data or {}).items()}


def send(client: Client, row: Row, url: str):
    if row.method == "GET":
        return client.get(url)
    if row.channel == "api":
        return client.generic(
            row.method,
            url,
            json.dumps(row.data if row.data is not None else {}),
            content_type="application/json",
        )
    return client.post(url, row.data or {})


def markers(world: World, role: str) -> dict[str, str]:
    found = {}
    for key in FOREIGN[role]:
        if key in NAMES:
            found[key] = NAMES[key]
        elif key == "agreement_token":
            found[key] = world.agreement.token
        elif key == "survey_token":
            found[key] = world.survey_token
    return found


def outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return f"error {status}"
    if status in (401, 403, 404):
        return "denied"
    if status in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        return "login" if location.startswith(LOGIN_PATHS) else "away"
    if status == 405:
        return "wrong method"
    return "allowed"


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "role"), cells())
def test_access_cell(world, row, role):
    if row.method != "GET":
        cache.clear()  # offer and sign-in rate limits
    client = world.clients[role]
    if role in world.sessions:  # a cell that rotated the session key was rolled back
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    url = row.url.format(w=world)

    before = state(world, row)
    sent = replace(row, data=form_data(world, row)) if row.data else row
    response = send(client, sent, url)
    got = outcome(response)
    if row.effect or (row.route.endswith("_changelist") and row.method == "POST"):
        after = state(world, row)
        if role in row.allowed:
            assert after != before or not row.effect, f"the action changed nothing ({after})"
            if not row.effect:  # an export: the file itself, not the changelist again
                kind = response.headers.get("Content-Type", "")
                assert response.status_code == 200, response.status_code
                assert not kind.startswith("text/html"), kind
        elif got in ("away", "allowed"):
            # The changelist answered "no action selected": nothing done, no file.
            assert after == before, f"{role} changed {row.effect}: {before} -> {after}"
            kind = response.headers.get("Content-Type", "")
            assert got == "away" or kind.startswith("text/html"), f"{role} got a {kind} file"
            got = "denied"
    if got == "login" and role != "anonymous":
        # Signed in without admin rights: the admin's sign-in answers 403 (allauth).
        followed = client.get(response.headers["Location"])
        got = "denied" if followed.status_code in (403, 404) else f"login {followed.status_code}"

    if role in row.allowed:
        # Allowed: the page, a redirect after the action, or the form's own 400/422.
        assert got in ("allowed", "away"), f"allowed, got {got} {response.status_code}"
    elif role in row.away:
        assert got == "away", f"sent to own work place, got {got} {response.status_code}"
        assert response.headers["Location"] == landing.landing_url(world.user(role))
    elif role == "anonymous":
        assert got in ("denied", "login"), f"denied, got {got} {response.status_code}"
    else:
        assert got == "denied", f"denied, got {got} {response.status_code}"

    content_type = response.headers.get("Content-Type", "")
    if row.capability or not content_type.startswith(TEXT_TYPES):
        return
    body = b"".join(response) if response.streaming else response.content
    text = body.decode(errors="replace")
    # What the person typed in the address (a token) may come back; nothing else.
    leaked = [
        key for key, value in markers(world, role).items() if value in text and value not in url
    ]
    assert leaked == [], f"{role} sees {leaked}"


def url_names() -> set[str]:
    """Every named URL pattern of the portal, admin and API included ("namespace:name")."""
    names: set[str] = set()

    def walk(resolver: URLResolver, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern, inner)
            elif isinstance(pattern, URLPattern):
                names.add(f"{namespace}{pattern.name or ''}")

    walk(get_resolver(), "")
    return names


ADMIN_MODEL_PAGE = re.compile(r"^admin:(?P<model>[a-z_]+)_(changelist|add|change|delete|history)$")


def uncovered(names: set[str]) -> list[str]:
    rows = all_rows()
    routes = {row.route for row in rows}
    admin_models = {
        match.group("model") for route in routes if (match := ADMIN_MODEL_PAGE.match(route))
    }
    missing = []
    for name in sorted(names):
        if name in routes or name in EXEMPT or name.startswith(tuple(EXEMPT_PREFIXES)):
            continue
        match = ADMIN_MODEL_PAGE.match(name)
        if match and match.group("model") in admin_models:
            continue  # the model's rows cover its object pages (see admin_rows_from_grants)
        missing.append(name)
    return missing


def test_every_url_pattern_has_a_row():
    assert uncovered(url_names()) == []


def test_a_new_url_without_a_row_is_caught():
    assert uncovered({"needs:list", "needs:brand_new_page", "admin:needs_brandnew_change"}) == [
        "admin:needs_brandnew_change",
        "needs:brand_new_page",
    ]


def test_every_registered_admin_model_has_a_row():
    routes = {row.route for row in all_rows()}
    for model in django_admin.site._registry:
        key = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        assert key in routes, key


@pytest.mark.django_db
def test_admin_forms_linking_a_match_build_for_a_superuser(rf, admin_user):
    """The match admin orders by an annotation of its own queryset: any other admin offering
    a choice of matches would fail on its change page (as the agreement's did)."""
    request = rf.get("/")
    request.user = admin_user
    for model, model_admin in django_admin.site._registry.items():
        links = [
            field.name
            for field in model._meta.get_fields()
            if field.concrete and getattr(field, "related_model", None) is Match
        ]
        if not links:
            continue
        form = model_admin.get_form(request, None)
        for name in links:
            if name in form.base_fields:
                list(form.base_fields[name].queryset[:1])
