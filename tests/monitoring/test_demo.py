"""The monitoring demo: after ``seed_demo`` the dashboard and the showcase are alive."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from contactpoint import roles
from monitoring import kpis
from monitoring.models import Collaboration, TrainingAttendance
from tests.factories import UserFactory
from tests.matching.workflow_support import login

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_dashboard_and_the_showcase_and_is_idempotent(client):
    call_command("seed_demo")
    counts = (Collaboration.objects.count(), TrainingAttendance.objects.count())
    call_command("seed_demo")
    assert (Collaboration.objects.count(), TrainingAttendance.objects.count()) == counts

    year = timezone.localdate().year
    board = kpis.dashboard(kpis.Filters(year=year))
    assert board.kpis["people_trained"].value > 0
    assert board.kpis["people_trained"].previous > 0
    completed = {row["year"]: row["completed"] for row in board.trend}
    assert completed[year] >= 1 and completed[year - 1] >= 1
    assert board.survey_topics

    login(client, UserFactory(role=roles.CABINET))
    page = client.get("/dashboard/").content.decode()
    assert "Persone formate" in page

    showcase = client.get("/showcase/").content.decode()
    assert "Fondazione Bracco" in showcase  # completed, and it allows being named
    assert "Il cielo itinerante" in showcase
