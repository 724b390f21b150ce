"""The benchmarks' own database on the same server: created, migrated, kept between runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, connections

BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "contactpoint_bench")


@contextmanager
def bench_database(name: str = BENCH_DATABASE) -> Iterator[None]:
    """Point the default connection at ``name`` (created on the same server if missing),
    migrate it, and point it back afterwards: development data is never touched."""
    conn = connections["default"]
    original = conn.settings_dict["NAME"]
    conn.close()
    with conn._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.settings_dict["NAME"] = name
    ContentType.objects.clear_cache()
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    finally:
        conn.close()
        conn.settings_dict["NAME"] = original
        ContentType.objects.clear_cache()


def read_state() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_state (key text PRIMARY KEY, value text NOT NULL)"
        )
        cursor.execute("SELECT key, value FROM bench_state")
        return dict(cursor.fetchall())


def write_state(**values: Any) -> None:
    with connection.cursor() as cursor:
        for key, value in values.items():
            cursor.execute(
                "INSERT INTO bench_state (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, str(value)],
            )


def reset_database() -> None:
    """Empty every table of the benchmark database (a new recipe)."""
    from django.apps import apps

    tables = [m._meta.db_table for m in apps.get_models() if m._meta.managed]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        names = ", ".join(f'"{t}"' for t in tables if t in existing)
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        cursor.execute("TRUNCATE bench_state")
