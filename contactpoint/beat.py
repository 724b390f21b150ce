"""Beat scheduler that refuses to run twice.

Two beat processes would send every periodic job twice. The scheduler takes a PostgreSQL
advisory lock on its own connection for its whole life; a second beat finds the lock taken
and exits with a clear message.
"""

from __future__ import annotations

import logging

import psycopg
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

BEAT_LOCK_KEY = 0x43505F42  # "CP_B"


def _connect() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname=db["NAME"],
        autocommit=True,
    )


def acquire_beat_lock() -> psycopg.Connection | None:
    """Return the connection holding the lock, or None when another beat holds it."""
    conn = _connect()
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY]).fetchone()
    if row and row[0]:
        return conn
    conn.close()
    return None


class SingleBeatScheduler(DatabaseScheduler):
    _lock_connection: psycopg.Connection | None = None

    def setup_schedule(self) -> None:
        # Not in __init__: beat also builds a "lazy" scheduler only to print its banner.
        if SingleBeatScheduler._lock_connection is None:
            lock = acquire_beat_lock()
            if lock is None:
                raise SystemExit(
                    "Another celery beat is already running for this database; "
                    "exactly one beat may run."
                )
            SingleBeatScheduler._lock_connection = lock
        super().setup_schedule()
