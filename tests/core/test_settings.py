"""settings.py fails loudly on unsafe or malformed environments and loads the deployed ones.

Each case runs in a fresh Python process, since settings are read once per process.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml
from django.conf import settings

from tests.fixtures.celery_worker import database_url_for_current_connection

BASE_DIR = Path(settings.BASE_DIR)
COMPOSE_FILE = BASE_DIR / "docker-compose.yml"
APP_SERVICES = ("migrate", "web", "worker", "beat")

# Variables that steer settings.py or its checks; every case starts without them so the shell
# running the suite (CI sets DATABASE_URL and REDIS_URL, conftest sets
# DJANGO_ALLOW_ASYNC_UNSAFE for Playwright) does not leak into what is being proven.
SETTINGS_VARIABLES = (
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "CONTACTPOINT_ENV",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_BACKEND",
    "EMAIL_PORT",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "REQUIRE_SERVICES",
    "NEED_STALE_AFTER_DAYS",
    "CONTACTPOINT_BASE_URL",
    "PORT",
)
# Never reached: anything that tries to connect while settings load fails at once.
NOWHERE_DATABASE = "postgres://contactpoint@127.0.0.1:1/contactpoint"

LOAD_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
from django.db import connections
import contactpoint.celery
contactpoint.celery.app.loader.import_default_modules()
assert connections["default"].connection is None, "settings opened a database connection"
print(json.dumps({
    "PRODUCTION": settings.PRODUCTION,
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DATABASE_HOST": settings.DATABASES["default"]["HOST"],
    "DATABASE_NAME": settings.DATABASES["default"]["NAME"],
    "BROKER": contactpoint.celery.app.conf.broker_url,
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "EMAIL_PORT": settings.EMAIL_PORT,
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    "STATIC_ROOT": str(settings.STATIC_ROOT),
    "CONTACTPOINT_BASE_URL": settings.CONTACTPOINT_BASE_URL,
}))
"""


def random_secret() -> str:
    return secrets.token_urlsafe(48)  # 64 characters


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "contactpoint.settings"
    env.update(overrides)
    return env


def production_env(**overrides: str) -> dict[str, str]:
    values = {
        "CONTACTPOINT_ENV": "production",
        "SECRET_KEY": random_secret(),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "contactpoint.example.org",
        "DATABASE_URL": NOWHERE_DATABASE,
    }
    return clean_env(**{**values, **overrides})


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-c", LOAD_SETTINGS], env)


def loaded(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "contactpoint-insecure-development-key-do-not-use-in-production",
        "too-short-" * 4,
    ],
    ids=["missing", "development-default", "short"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    env = production_env()
    if secret is None:
        del env["SECRET_KEY"]
    else:
        env["SECRET_KEY"] = secret

    refused(load_settings(env), "Production needs SECRET_KEY")


def test_production_refuses_to_start_with_debug_on():
    refused(load_settings(production_env(DEBUG="1")), "Production refuses to start with DEBUG on")


def test_production_defaults_to_debug_off_and_secure_cookies():
    env = production_env()
    del env["DEBUG"]

    values = loaded(load_settings(env))

    assert values["PRODUCTION"] is True
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000


def test_production_with_secret_hosts_and_database_loads_without_connecting():
    values = loaded(load_settings(production_env()))

    assert values["PRODUCTION"] is True
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["contactpoint.example.org"]
    assert values["DATABASE_HOST"] == "127.0.0.1"


def test_production_without_allowed_hosts_allows_no_host():
    env = production_env()
    del env["ALLOWED_HOSTS"]

    assert loaded(load_settings(env))["ALLOWED_HOSTS"] == []


@pytest.mark.django_db
def test_production_settings_pass_the_deployment_checks():
    env = production_env(DATABASE_URL=database_url_for_current_connection())

    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be a boolean"),
        ("EMAIL_PORT", "abc", "EMAIL_PORT must be an integer"),
        ("EMAIL_USE_TLS", "sometimes", "EMAIL_USE_TLS must be a boolean"),
        ("NEED_STALE_AFTER_DAYS", "sixty", "NEED_STALE_AFTER_DAYS must be an integer"),
        ("CONTACTPOINT_ENV", "staging", "CONTACTPOINT_ENV must be development, test or production"),
    ],
)
def test_malformed_values_fail_loudly(name, value, message):
    env = clean_env(DATABASE_URL=NOWHERE_DATABASE, **{name: value})

    refused(load_settings(env), message)


# --- The environment docker-compose.yml gives the application services ----------------------

INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, shell: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} against a shell environment."""

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        current = shell.get(name)
        if op == ":-":
            return current or arg
        if op == "-":
            return arg if current is None else current
        if (op == ":?" and not current) or (op == "?" and current is None):
            raise AssertionError(f"compose requires {name}: {arg}")
        return current or ""

    return INTERPOLATION.sub(replace, value.replace("$$", "\0")).replace("\0", "$")


def compose_environment(service: str, shell: dict[str, str]) -> dict[str, str]:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    environment = compose["services"][service].get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {
        name: interpolate("" if value is None else str(value), shell)
        for name, value in environment.items()
    }


def unreachable(url: str) -> str:
    """The same URL with the compose host name swapped for a port nothing listens on."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{userinfo}127.0.0.1:1"))


# What an operator must provide (the ${...:?} variables); everything else has a default.
OPERATOR_SHELL = {
    "SECRET_KEY": random_secret(),
    "POSTGRES_PASSWORD": "compose-test-password",
    "ALLOWED_HOSTS": "contactpoint.comune.milano.it",
}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_settings_load_with_exactly_the_compose_environment(service):
    environment = compose_environment(service, OPERATOR_SHELL)
    assert urlsplit(environment["DATABASE_URL"]).hostname == "postgres"
    assert urlsplit(environment["REDIS_URL"]).hostname == "redis"
    environment["DATABASE_URL"] = unreachable(environment["DATABASE_URL"])
    environment["REDIS_URL"] = unreachable(environment["REDIS_URL"])
    # Only what the image and compose give the process: no variable of this shell.
    env = {
        "PATH": os.environ["PATH"],
        "HOME": "/tmp",
        "DJANGO_SETTINGS_MODULE": "contactpoint.settings",
        **environment,
    }

    values = loaded(load_settings(env))

    assert values["PRODUCTION"] is True
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["contactpoint.comune.milano.it"]
    assert values["DATABASE_NAME"] == "contactpoint"
    assert values["BROKER"] == environment["REDIS_URL"]
    assert values["CACHE"] == "django.core.cache.backends.db.DatabaseCache"
    assert values["MEDIA_ROOT"] == "/data/media"
    assert values["STATIC_ROOT"] == "/data/staticfiles"
    assert values["SESSION_COOKIE_SECURE"] is True


def test_compose_environment_passes_the_security_checks_but_the_proxys_redirect():
    environment = compose_environment("web", OPERATOR_SHELL)
    environment["DATABASE_URL"] = unreachable(environment["DATABASE_URL"])
    environment["REDIS_URL"] = unreachable(environment["REDIS_URL"])
    env = {"PATH": os.environ["PATH"], "HOME": "/tmp", **environment}

    # Only the security checks: the others do not depend on the environment and are run by
    # test_production_settings_pass_the_deployment_checks.
    result = run([sys.executable, "manage.py", "check", "--deploy", "--tag", "security"], env)

    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    warnings = set(re.findall(r"\((\w+\.W\d+)\)", output))
    # TLS ends at the proxy in front, which also redirects http to https (see compose).
    expected = {"security.W008"} if environment["SECURE_SSL_REDIRECT"] == "0" else set()
    assert warnings == expected, output


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, "https://contactpoint.example.org"),
        ({"CONTACTPOINT_BASE_URL": "https://cp.comune.example"}, "https://cp.comune.example"),
    ],
)
def test_production_links_point_to_the_public_address(overrides, expected):
    values = loaded(load_settings(production_env(**overrides)))

    assert values["CONTACTPOINT_BASE_URL"] == expected


def test_development_links_follow_the_port():
    env = clean_env(DATABASE_URL=NOWHERE_DATABASE, PORT="8100")

    assert loaded(load_settings(env))["CONTACTPOINT_BASE_URL"] == "http://127.0.0.1:8100"


def test_a_base_url_that_is_not_an_address_is_refused():
    env = production_env(CONTACTPOINT_BASE_URL="contactpoint.example.org")

    refused(load_settings(env), "CONTACTPOINT_BASE_URL must be the portal's address")
