"""The annual survey end to end on a real Celery worker: the opening job invites everyone in
batches, a response through the private link, reminders only to the others, and re-running
every job sends nothing twice."""

from __future__ import annotations

import email
import os
import tempfile
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from monitoring import tasks
from monitoring.models import SurveyInvitation
from tests.fixtures.celery_worker import wait_for
from tests.monitoring.survey_support import LINK_RE, people, scheduled_campaign

# The worker is another process started with this environment: it writes its mail as files
# here (set at import, before any test starts the worker).
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
os.environ.setdefault("EMAIL_FILE_PATH", tempfile.mkdtemp(prefix="cp-survey-mail-"))


def survey_mail(folder: Path, since: set[str], recipients: set[str]) -> list:
    found = []
    for path in sorted(folder.glob("*.log")):
        if path.name in since:
            continue
        raw = path.read_bytes()
        for chunk in raw.split(b"\n" + b"-" * 79 + b"\n"):
            if not chunk.strip():
                continue
            message = email.message_from_bytes(chunk.strip(), policy=policy.default)
            if message["To"] in recipients:
                found.append(message)
    return found


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_survey_campaign_end_to_end_on_a_real_worker(celery_worker_process):
    folder = Path(os.environ["EMAIL_FILE_PATH"])
    folder.mkdir(parents=True, exist_ok=True)
    before = {path.name for path in folder.glob("*.log")}
    expected = people()
    recipients = set(expected["staff"]) | set(expected["stakeholders"])
    campaign = scheduled_campaign()

    # Tasks keep no results: what they did is read from the database and the mail folder.
    tasks.open_due_surveys.delay()
    wait_for(
        lambda: (
            SurveyInvitation.objects.filter(campaign=campaign, sent_at__isnull=False).count() == 3
        ),
        timeout=60,
    )
    # Re-running either job sends nothing new (run here, in the test's process, to read
    # what it returns; its mail would land in django.core.mail.outbox).
    assert tasks.open_due_surveys() == []
    assert tasks.send_survey_invitations(campaign.pk) == 0
    assert mail.outbox == []
    invitations = wait_for(
        lambda: (
            len(survey_mail(folder, before, recipients)) == 3
            and survey_mail(folder, before, recipients)
        )
    )
    assert sorted(message["To"] for message in invitations) == sorted(recipients)
    links = {
        message["To"]: LINK_RE.search(message.get_content()).group(1) for message in invitations
    }

    # Anna answers through her link; the link then stops working.
    client = Client()
    scale = f"q{campaign.questions.get(order=1).pk}"
    topics = f"q{campaign.questions.get(order=2).pk}"
    token = links["anna@impresa.example"]
    assert client.post(f"/survey/{token}/", {scale: "5", topics: "Orti urbani"}).status_code == 200
    assert client.get(f"/survey/{token}/").status_code == 404

    # A week later the reminder job writes only to the two who did not answer, once.
    SurveyInvitation.objects.update(sent_at=timezone.now() - timedelta(days=8))
    tasks.send_survey_reminders.delay()

    def reminders_sent() -> list:
        return [
            m
            for m in survey_mail(folder, before, recipients)
            if m["Subject"].startswith("Promemoria")
        ]

    reminders = wait_for(lambda: len(reminders_sent()) == 2 and reminders_sent(), timeout=60)
    assert tasks.send_survey_reminders() == 0
    assert mail.outbox == []
    assert sorted(m["To"] for m in reminders) == sorted(expected["staff"])
    # The reminder repeats the same private link.
    for message in reminders:
        assert LINK_RE.search(message.get_content()).group(1) == links[message["To"]]
    assert len(survey_mail(folder, before, recipients)) == 5
