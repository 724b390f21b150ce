"""Retention of inactive contacts: a warning e-mail first, a link to keep the data, then
anonymisation by the daily job if still inactive; re-running changes nothing."""

from __future__ import annotations

import email
import os
import re
import tempfile
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from contactpoint.models import AuditEntry, OutboxMessage
from stakeholders import retention, tasks
from stakeholders.models import Consent, ContactPerson, PersonErasure, RetentionNotice
from tests.factories import ContactPersonFactory, OfferFactory, OrganisationFactory
from tests.fixtures.celery_worker import wait_for

from .privacy_support import where_found

# The worker (another process, started once per session with this environment) writes its
# mail as files, which the worker test reads; set before any test starts it.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
os.environ.setdefault("EMAIL_FILE_PATH", tempfile.mkdtemp(prefix="cp-privacy-mail-"))

pytestmark = pytest.mark.django_db

KEEP_LINK_RE = re.compile(r"https?://[^\s\"<>]+(/my/keep/[^\s\"<>/]+/)")


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def inactive(now):
    """Carla: contact of an organisation, silent for 30 months (consent and a call then)."""
    long_ago = now - timedelta(days=30 * 31)
    carla = ContactPersonFactory(
        organisation=OrganisationFactory(legal_name="Tiglio Onlus"),
        first_name="Carla",
        last_name="Zampironi",
        email="carla.zampironi@tiglio.org",
        language="it",
        created_at=long_ago,
    )
    Consent.objects.create(
        contact=carla, purpose="contact", text_version="2026-11", given_at=long_ago
    )
    return carla


@pytest.fixture
def active(now):
    """Dario: as old a contact, but he changed an offer last week (now closed)."""
    dario = ContactPersonFactory(
        email="dario@faggio.it", created_at=now - timedelta(days=1000), language="en"
    )
    OfferFactory(
        organisation=dario.organisation,
        contact=dario,
        submitted_email=dario.email,
        status="completed",
    )
    return dario


def test_inactive_contacts_are_warned_once_and_active_ones_not(now, inactive, active):
    assert retention.apply_retention(now=now) == {"warned": 1, "anonymised": 0}
    notice = RetentionNotice.objects.get()
    assert notice.contact == inactive
    assert OutboxMessage.objects.filter(
        task_name="stakeholders.send_retention_warning", dedup_key=f"retention-warning-{notice.pk}"
    ).exists()
    # The next day's run finds the same period of inactivity: no second notice, no e-mail.
    assert retention.apply_retention(now=now + timedelta(days=1)) == {"warned": 0, "anonymised": 0}
    assert RetentionNotice.objects.count() == 1


def test_a_person_with_an_open_offer_is_never_warned(now, inactive):
    OfferFactory(organisation=inactive.organisation, contact=inactive, status="in_progress")
    OfferFactory._meta.model.objects.update(updated_at=now - timedelta(days=1000))
    assert retention.apply_retention(now=now)["warned"] == 0


def test_no_anonymisation_without_the_warning_e_mail_then_after_the_period(now, inactive):
    retention.apply_retention(now=now)
    notice = RetentionNotice.objects.get()
    # The e-mail never left (broker down): nobody is anonymised unwarned.
    assert retention.apply_retention(now=now + timedelta(days=40))["anonymised"] == 0

    assert tasks.send_retention_warning(notice.pk) is True
    assert tasks.send_retention_warning(notice.pk) is False  # a second delivery sends nothing
    (message,) = mail.outbox
    assert message.to == ["carla.zampironi@tiglio.org"]
    assert "Vuoi che conserviamo i tuoi dati di contatto" in message.subject
    assert KEEP_LINK_RE.search(message.body)
    sent = RetentionNotice.objects.get().sent_at

    assert retention.apply_retention(now=sent + timedelta(days=29))["anonymised"] == 0
    assert retention.apply_retention(now=sent + timedelta(days=31))["anonymised"] == 1
    carla = ContactPerson.objects.get(pk=inactive.pk)
    record = PersonErasure.objects.get()
    assert (str(carla), record.reason) == (f"Persona cancellata #{record.pk}", "retention")
    assert where_found("Zampironi") == [] and where_found("carla.zampironi@tiglio.org") == []
    assert retention.apply_retention(now=sent + timedelta(days=32)) == {
        "warned": 0,
        "anonymised": 0,
    }


def test_the_keep_link_keeps_the_data_and_counts_as_activity(client, now, inactive):
    retention.apply_retention(now=now)
    notice = RetentionNotice.objects.get()
    tasks.send_retention_warning(notice.pk)
    path = KEEP_LINK_RE.search(mail.outbox[0].body).group(1)

    page = client.get(path)
    assert page.status_code == 200
    assert RetentionNotice.objects.get().kept_at is None  # a link checker's GET keeps nothing
    assert client.post(path).status_code == 200
    assert RetentionNotice.objects.get().kept_at is not None
    assert AuditEntry.objects.filter(action="stakeholders.retention_notice.kept").count() == 1

    later = now + timedelta(days=45)
    assert retention.apply_retention(now=later) == {"warned": 0, "anonymised": 0}
    assert ContactPerson.objects.get(pk=inactive.pk).erased_at is None


def test_a_forged_or_foreign_keep_link_is_a_404(client, now, inactive):
    retention.apply_retention(now=now)
    token = retention.keep_token(RetentionNotice.objects.get())
    assert client.get(f"/my/keep/{token}x/").status_code == 404
    assert client.post("/my/keep/not-a-token/").status_code == 404


def test_the_warning_is_written_in_the_contacts_language(now, active):
    ContactPerson.objects.filter(pk=active.pk).update(created_at=now - timedelta(days=1000))
    OfferFactory._meta.model.objects.update(updated_at=now - timedelta(days=1000))
    retention.apply_retention(now=now)
    tasks.send_retention_warning(RetentionNotice.objects.get(contact=active).pk)
    assert mail.outbox[0].subject.startswith("Do you want us to keep your contact data?")


def test_months_before_clamps_to_the_end_of_the_month():
    moment = timezone.now().replace(year=2026, month=3, day=31)
    assert retention.months_before(moment, 1).date().isoformat() == "2026-02-28"
    assert retention.months_before(moment, 24).date().isoformat() == "2024-03-31"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_warning_from_the_daily_run(celery_worker_process, now, inactive):
    folder = Path(os.environ["EMAIL_FILE_PATH"])

    assert retention.apply_retention(now=now)["warned"] == 1

    wait_for(lambda: RetentionNotice.objects.filter(sent_at__isnull=False).exists())

    def warning():
        for path in folder.glob("*.log"):
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == "carla.zampironi@tiglio.org":
                return message
        return None

    message = wait_for(warning)
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert KEEP_LINK_RE.search(text), text
