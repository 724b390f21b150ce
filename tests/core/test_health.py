"""/health/ reports the database, the broker, the workers and the outbox, never cached."""

from __future__ import annotations

import pytest
from celery import current_app
from django.utils import timezone

from contactpoint.models import OutboxMessage

pytestmark = [pytest.mark.django_db]

# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def verdicts(body) -> dict:
    """The overall status and whether the database and the broker answered."""
    return {
        "status": body["status"],
        "database": body["database"]["ok"],
        "broker": body["broker"]["ok"],
    }


def test_health_reports_ok_with_database_broker_and_pending_outbox(client):
    OutboxMessage.objects.create(task_name="contactpoint.heartbeat", args=["a"])
    OutboxMessage.objects.create(task_name="contactpoint.heartbeat", args=["b"])
    OutboxMessage.objects.create(
        task_name="contactpoint.heartbeat", args=["c"], sent_at=timezone.now()
    )

    response = client.get("/health/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert verdicts(body) == {"status": "ok", "database": True, "broker": True}
    assert body["database"]["engine"] == "postgresql"
    assert body["outbox"] == {"pending": 2, "in_flight": 1, "failing": 0, "dead": 0}
    assert body["worker"] == {"seen": None, "recent": False}


def test_health_is_never_cached(client):
    response = client.get("/health/")

    cache_control = response["Cache-Control"]
    for directive in ("no-cache", "no-store", "must-revalidate", "max-age=0"):
        assert directive in cache_control


def test_health_with_the_broker_down_is_degraded_but_still_answers_200(client, monkeypatch):
    # The broker URL is read from the Celery app's configuration when a connection is made;
    # monkeypatch puts the previous value back after the test.
    monkeypatch.setitem(current_app.conf, "broker_url", UNREACHABLE_BROKER)

    response = client.get("/health/")

    assert response.status_code == 200
    body = response.json()
    assert verdicts(body) == {"status": "degraded", "database": True, "broker": False}
    assert body["broker"]["error"] == "OperationalError"
    assert body["outbox"] == {"pending": 0, "in_flight": 0, "failing": 0, "dead": 0}


def test_health_recovers_once_the_broker_is_back(client, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setitem(current_app.conf, "broker_url", UNREACHABLE_BROKER)
        assert client.get("/health/").json()["status"] == "degraded"

    assert client.get("/health/").json()["status"] == "ok"


def test_health_rejects_other_methods(client):
    assert client.post("/health/").status_code == 405
