"""Shared fixtures: real PostgreSQL (embedded or DATABASE_URL), real Celery worker, Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from contactpoint import roles
from tests.factories import UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API

pytest_plugins = ["tests.fixtures.celery_worker"]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "accept_language(code): the test client sends this Accept-Language header"
    )


CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH", ""), *CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


def require_or_skip(reason: str) -> None:
    """Missing service: fail when REQUIRE_SERVICES=1 (CI), skip with the reason otherwise."""
    if settings.REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        require_or_skip("Debian's chromium is not installed (apt-get install -y chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def page(page):
    """Playwright page that records console errors; tests assert it stays empty."""
    page.console_errors = []
    page.on(
        "console",
        lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def thesaurus(db):
    """Milan's thesaurus in the table (the migration loads it; a flushing test empties it)."""
    from needs.thesaurus import load_thesaurus

    load_thesaurus()


@pytest.fixture(autouse=True, scope="session")
def _flush_waits_for_the_worker():
    """Retry a transactional test's closing flush when PostgreSQL reports a deadlock.

    The real Celery worker of earlier tests may still be finishing a job (a retry, a late
    acknowledgement) and hold row locks on tables the flush truncates; PostgreSQL then aborts
    one side. The flush runs in one transaction, so trying again once the worker's own
    transaction has ended is safe.
    """
    import time

    from django.core.management.base import CommandError
    from django.db import OperationalError
    from django.test import testcases

    original = testcases.TransactionTestCase._fixture_teardown

    def is_deadlock(error: BaseException) -> bool:
        return any("deadlock" in str(e).lower() for e in (error, error.__cause__) if e)

    def teardown(self):
        for attempt in range(6):
            try:
                return original(self)
            except (CommandError, OperationalError) as error:
                if attempt == 5 or not is_deadlock(error):
                    raise
                time.sleep(0.5 * (attempt + 1))
        return None

    testcases.TransactionTestCase._fixture_teardown = teardown
    yield
    testcases.TransactionTestCase._fixture_teardown = original


@pytest.fixture(autouse=True)
def _no_kept_pages():
    """Each test starts with no public page kept in this process (contactpoint.pagecache):
    a page kept by an earlier test, whose rows are gone, must not answer for this one."""
    from contactpoint.pagecache import clear_local

    clear_local()


@pytest.fixture
def client(client, request):
    """Django's test client; ``pytest.mark.accept_language("en")`` makes it ask for English
    (to assert the English msgids) or for another language."""
    marker = request.node.get_closest_marker("accept_language")
    if marker is not None:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = marker.args[0]
    return client


@pytest.fixture
def fresh_cache():
    """An empty cache before and after: rate limits and used TOTP codes live there, and it
    outlives a test's transaction."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def user_fixture(name: str, **traits):
    """A fixture called ``name`` that builds one user with these ``UserFactory`` traits."""

    def make(db):
        return UserFactory(**traits)

    make.__name__ = name
    return pytest.fixture(make, name=name)


# One user per role; city staff carry the TOTP device the MFA middleware asks of them.
account_manager = user_fixture("account_manager", role=roles.ACCOUNT_MANAGER, totp=True)
manager = user_fixture("manager", role=roles.ACCOUNT_MANAGER, totp=True)
other_manager = user_fixture("other_manager", role=roles.ACCOUNT_MANAGER, totp=True)
cabinet = user_fixture("cabinet", role=roles.CABINET, totp=True)
legal = user_fixture("legal", role=roles.LEGAL, totp=True)
department_user = user_fixture("department_user", role=roles.DEPARTMENT, totp=True)
stakeholder = user_fixture("stakeholder", role=roles.STAKEHOLDER)
superuser = user_fixture("superuser", superuser=True, totp=True)
