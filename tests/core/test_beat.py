"""Exactly one Celery beat runs: a PostgreSQL advisory lock keeps a second one out."""

from __future__ import annotations

import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path

import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.db import connection
from django_celery_beat.models import PeriodicTask

from contactpoint.beat import BEAT_LOCK_KEY, acquire_beat_lock
from tests.fixtures.celery_worker import stop, wait_for, worker_env

BEAT_COMMAND = [sys.executable, "-m", "celery", "-A", "contactpoint", "beat", "--loglevel=INFO"]
SECOND_BEAT_TIMEOUT = 30

# A single bigint advisory key shows in pg_locks as classid = high half, objid = low half.
LOCK_HOLDER = """
    SELECT pid FROM pg_locks
    WHERE locktype = 'advisory' AND granted
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND classid = 0 AND objid = %s::bigint::oid AND objsubid = 1
"""


def lock_holder_pid() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(LOCK_HOLDER, [BEAT_LOCK_KEY])
        row = cursor.fetchone()
    return row[0] if row else None


def compose_beat_healthcheck() -> str:
    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    test = compose["services"]["beat"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    return test[3]


@pytest.mark.django_db
def test_migration_schedules_the_outbox_relay_and_the_worker_heartbeat():
    # A transactional test elsewhere may have flushed the rows the migration made (a kept
    # test database, --reuse-db): run the migration's step again; it only adds what is missing.
    import_module("contactpoint.migrations.0004_beat_schedule").create(apps, None)
    relay = PeriodicTask.objects.get(name="Relay the outbox")
    heartbeat = PeriodicTask.objects.get(name="Worker heartbeat")

    assert relay.task == "contactpoint.relay_outbox"
    assert heartbeat.task == "contactpoint.heartbeat"
    for task in (relay, heartbeat):
        assert task.enabled
        assert (task.interval.every, task.interval.period) == (60, "seconds")


@pytest.mark.django_db
def test_beat_lock_is_taken_once_and_free_again_after_release():
    first = acquire_beat_lock()
    assert first is not None
    try:
        assert acquire_beat_lock() is None
        assert lock_holder_pid() == first.info.backend_pid
    finally:
        first.close()

    # The server frees the lock when the closed session's backend has exited: a moment later.
    again = wait_for(acquire_beat_lock, timeout=10)
    again.close()
    wait_for(lambda: lock_holder_pid() is None, timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_second_celery_beat_exits_while_the_first_runs(tmp_path):
    # Nothing is due: this test is about the lock, not about sending jobs to the broker that
    # a test worker would later pick up.
    PeriodicTask.objects.update(enabled=False)
    env = worker_env()
    healthcheck = [sys.executable, "-c", compose_beat_healthcheck()]
    run = {"cwd": settings.BASE_DIR, "env": env, "text": True}

    assert subprocess.run(healthcheck, capture_output=True, timeout=60, **run).returncode == 1

    first_log = (tmp_path / "first-beat.log").open("w+")
    first = subprocess.Popen(BEAT_COMMAND, stdout=first_log, stderr=subprocess.STDOUT, **run)
    try:
        holder = wait_for(lambda: lock_holder_pid() or first.poll() is not None, timeout=60)
        assert first.poll() is None, (tmp_path / "first-beat.log").read_text()
        assert holder

        started = time.monotonic()
        second = subprocess.run(
            BEAT_COMMAND, capture_output=True, timeout=SECOND_BEAT_TIMEOUT, **run
        )
        assert second.returncode != 0
        assert "exactly one beat may run" in second.stdout + second.stderr
        assert time.monotonic() - started < SECOND_BEAT_TIMEOUT

        # The first one is untouched and is what the compose healthcheck sees.
        assert first.poll() is None
        assert lock_holder_pid() == holder
        assert subprocess.run(healthcheck, capture_output=True, timeout=60, **run).returncode == 0
    finally:
        stop(first)
        first_log.close()

    assert "beat: Starting..." in (tmp_path / "first-beat.log").read_text()
    wait_for(lambda: lock_holder_pid() is None, timeout=10)
