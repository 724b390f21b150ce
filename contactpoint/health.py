"""State of the database, the broker and the workers, for /health/ and monitoring."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone


def database_state() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version')")
            (version,) = cursor.fetchone()  # type: ignore[misc]
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "engine": "postgresql", "version": version}


def broker_state() -> dict[str, Any]:
    scheme = urlsplit(settings.CELERY_BROKER_URL).scheme
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return {"ok": False, "transport": scheme, "error": exc.__class__.__name__}
    return {"ok": True, "transport": scheme}


def worker_state() -> dict[str, Any]:
    from .models import WorkerHeartbeat

    beat = WorkerHeartbeat.objects.filter(name="worker").first()
    if beat is None:
        return {"seen": None, "recent": False}
    return {
        "seen": beat.seen_at.isoformat(),
        "recent": timezone.now() - beat.seen_at < timedelta(minutes=5),
    }


def outbox_state() -> dict[str, Any]:
    """Jobs waiting for the broker, published and not done yet, failing, and dead."""
    from .outbox import counts

    return counts().as_dict()


def report() -> tuple[dict[str, Any], int]:
    """The health document and its HTTP status (503 when the database is down)."""
    database = database_state()
    broker = broker_state()
    body: dict[str, Any] = {"database": database, "broker": broker}
    if database["ok"]:
        body["worker"] = worker_state()
        body["outbox"] = outbox_state()
    if not database["ok"]:
        body["status"] = "down"
    elif not broker["ok"]:
        body["status"] = "degraded"  # requests still succeed: the outbox keeps the jobs
    else:
        body["status"] = "ok"
    return body, 200 if database["ok"] else 503
