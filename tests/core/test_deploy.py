"""Dockerfile and docker-compose.yml agree with the code they run.

No container engine here: these tests read both files and check every command, healthcheck
and variable against the project, so a rename in the code cannot silently break deployment.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

BASE_DIR = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()
SETTINGS_SOURCE = (BASE_DIR / "contactpoint" / "settings.py").read_text()
VENV_BIN = Path(sys.executable).parent

APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("postgres", "redis", "web", "worker", "beat")


def dockerfile_instructions(name: str) -> list[str]:
    """Arguments of every ``name`` instruction, with continuation lines joined."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    return [
        line.split(None, 1)[1].strip()
        for line in joined.splitlines()
        if line.split(None, 1)[:1] == [name]
    ]


def dockerfile_cmd() -> list[str]:
    (cmd,) = dockerfile_instructions("CMD")
    return json.loads(cmd)  # exec form: no shell between Docker and the process


def shell_commands(command: list[str]) -> list[list[str]]:
    """A service command as the programs it runs (``sh -c "a && b"`` gives two)."""
    if command[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in re.split(r"&&|;", command[2])]
    return [command]


def programs_of(service: str) -> list[list[str]]:
    return shell_commands(SERVICES[service].get("command") or dockerfile_cmd())


def check_program(args: list[str]) -> None:
    """The program exists in the venv and what it is told to load exists in the project."""
    program = args[0]
    if program == "python":
        assert args[1] == "manage.py", args
        assert (BASE_DIR / "manage.py").exists()
        assert args[2] in get_commands(), f"no management command {args[2]!r}"
        return
    assert (VENV_BIN / program).exists(), f"{program} is not installed in the venv"
    if program == "gunicorn":
        module = importlib.import_module(args[1].split(":")[0])
        assert callable(module.application)
        assert args[args.index("--bind") + 1] == "0.0.0.0:8000"
    elif program == "celery":
        assert args[1:3] == ["-A", "contactpoint"]
        assert importlib.import_module("contactpoint.celery").app.main == "contactpoint"
        assert args[3] in ("worker", "beat", "inspect")
    else:
        pytest.fail(f"unexpected program {program!r} in {args}")


def test_dockerfile_default_command_runs_gunicorn_on_the_wsgi_app():
    cmd = dockerfile_cmd()

    assert cmd[:2] == ["gunicorn", "contactpoint.wsgi"]
    check_program(cmd)
    assert "8000" in dockerfile_instructions("EXPOSE")


def test_dockerfile_builds_a_production_image_run_by_a_non_root_user():
    assert dockerfile_instructions("FROM") == ["python:3.11-slim-bookworm"]
    (user,) = dockerfile_instructions("USER")
    assert user not in ("root", "0")
    env = " ".join(dockerfile_instructions("ENV"))
    assert "DJANGO_SETTINGS_MODULE=contactpoint.settings" in env
    assert "CONTACTPOINT_ENV=production" in env
    run = " ".join(dockerfile_instructions("RUN"))
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "gettext"):
        assert package in run
    assert "chromium" not in run
    for command in ("compilemessages", "collectstatic --noinput"):
        assert f"python manage.py {command}" in run
        assert command.split()[0] in get_commands()
    # Building needs no service: settings must not connect when DATABASE_URL is set.
    assert "DATABASE_URL=postgres://build@localhost/build" in run


def test_dockerfile_installs_only_the_runtime_dependencies():
    run = " ".join(dockerfile_instructions("RUN"))
    assert "['project']['dependencies']" in run
    assert "[dev]" not in run
    assert "optional-dependencies" not in run


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    for entry in (".git/", ".venv/", "var/", "tests/", ".env"):
        assert entry in ignored


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_application_command_exists(service):
    for args in programs_of(service):
        check_program(args)


def test_services_run_what_their_names_say():
    assert programs_of("web")[0][:2] == ["gunicorn", "contactpoint.wsgi"]
    assert programs_of("worker")[0][:4] == ["celery", "-A", "contactpoint", "worker"]
    assert programs_of("beat")[0][:4] == ["celery", "-A", "contactpoint", "beat"]
    assert [args[2] for args in programs_of("migrate")] == ["migrate", "createcachetable"]
    assert SERVICES["postgres"]["image"] == "postgres:17"
    assert SERVICES["redis"]["image"] == "redis:7"


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_every_long_running_service_has_a_healthcheck(service):
    test = SERVICES[service]["healthcheck"]["test"]

    assert test[0] in ("CMD", "CMD-SHELL")
    if test[:3] == ["CMD", "python", "-c"]:
        compile(test[3], f"{service} healthcheck", "exec")  # valid Python
    elif test[0] == "CMD-SHELL":
        for args in shell_commands(["sh", "-c", test[1]]):
            check_program(args)


def test_healthchecks_probe_what_each_service_provides():
    web = SERVICES["web"]["healthcheck"]["test"][3]
    assert "http://127.0.0.1:8000/health/" in web
    assert "X-Forwarded-Proto" in web  # /health/ is also exempt from the SSL redirect
    worker = SERVICES["worker"]["healthcheck"]["test"][1]
    # $$ is compose's escape for $: the shell in the container expands $HOSTNAME.
    assert "celery -A contactpoint inspect ping -d celery@$$HOSTNAME" in worker
    assert "celery@%h" in SERVICES["worker"]["command"]
    assert "pg_isready" in SERVICES["postgres"]["healthcheck"]["test"]
    assert SERVICES["redis"]["healthcheck"]["test"][1:] == ["redis-cli", "ping"]
    assert "BEAT_LOCK_KEY" in SERVICES["beat"]["healthcheck"]["test"][3]


def test_migrations_run_once_before_web_worker_and_beat():
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for service in ("web", "worker", "beat"):
        depends_on = SERVICES[service]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
        assert depends_on["postgres"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"


def test_exactly_one_beat_replica():
    assert SERVICES["beat"]["deploy"]["replicas"] == 1


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_configures_the_application_only_through_variables_settings_reads(service):
    environment = SERVICES[service]["environment"]
    assert environment["CONTACTPOINT_ENV"] == "production"
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    for name in environment:
        assert re.search(rf"""env\w*\(\s*["']{name}["']""", SETTINGS_SOURCE), (
            f"{service}: settings.py never reads {name}"
        )


def test_data_lives_in_named_volumes():
    assert set(COMPOSE["volumes"]) >= {"postgres-data", "media"}
    assert "postgres-data:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    for service in APP_SERVICES:
        assert "media:/data/media" in SERVICES[service]["volumes"]
        assert SERVICES[service]["environment"]["CONTACTPOINT_DATA_DIR"] == "/data"


def test_web_is_published_on_the_loopback_interface_only():
    (port,) = SERVICES["web"]["ports"]
    assert port.startswith("127.0.0.1:")
    assert port.endswith(":8000")
