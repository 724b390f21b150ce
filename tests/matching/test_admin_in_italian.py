"""The staff work area in Italian: translated column labels, Italian numbers and dates."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from matching.models import Notification
from tests.matching.workflow_support import (
    login,
    make_manager,
    make_match,
    make_team_lead,
)

pytestmark = [pytest.mark.django_db, pytest.mark.accept_language("it")]


def test_match_page_writes_scores_and_the_routing_table_the_italian_way(client):
    manager = make_manager(first_name="Laura", last_name="Conti")
    match = make_match(
        manager=manager,
        score=0.85,
        routing_reason={
            "rule": "area",
            "manager": manager.pk,
            "candidates": [
                {
                    "user": manager.pk,
                    "name": "Laura Conti",
                    "load": 3,
                    "capacity": 20,
                    "last_assigned_at": "2026-12-01T23:35:00+01:00",
                    "refusal": "",
                }
            ],
        },
    )
    login(client, manager)

    html = client.get(reverse("admin:matching_match_change", args=[match.pk])).content.decode()

    assert "0,85" in html
    assert "0.85" not in html
    assert "2026-12-01T23:35" not in html.replace('datetime="2026-12-01T23:35', "")
    assert "01/12/2026 23:35" in html


def test_queue_scores_are_written_with_a_decimal_comma(client):
    manager = make_manager()
    make_match(manager=manager, score=0.5)
    login(client, manager)

    html = client.get("/admin/matching/match/").content.decode()

    assert "0,50" in html


def test_notification_columns_are_translated(client):
    lead = make_team_lead()
    Notification.objects.create(recipient=lead, kind="assigned", dedup_key="k1")
    login(client, lead)

    response = client.get("/admin/matching/notification/")

    headers = re.findall(r'<div class="text">(?:<a [^>]*>)?([^<]+)<', response.content.decode())
    assert response.status_code == 200
    assert "Destinatario" in headers
    for english in ("created at", "digest sent at", "recipient", "kind", "sent at"):
        assert english not in [header.lower() for header in headers]
