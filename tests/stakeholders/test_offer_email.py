"""The confirmation e-mail: sent once, by a real worker, with a private link that works."""

from __future__ import annotations

import email
import os
import tempfile
from email import policy
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from contactpoint.models import OutboxMessage
from stakeholders.models import Offer
from stakeholders.tasks import send_offer_confirmation
from tests.factories import NeedFactory, OfferFactory
from tests.fixtures.celery_worker import wait_for

from .offer_support import TRACKING_LINK_RE, form_data

# The worker is another process (started once per session with this process' environment):
# it writes its mail as files here, which the test then reads. Set at import, i.e. before
# any test starts the worker.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
os.environ.setdefault("EMAIL_FILE_PATH", tempfile.mkdtemp(prefix="cp-intake-mail-"))


def _messages_in(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(folder.glob("*.log"))
    ]


@pytest.mark.django_db
def test_confirmation_task_sends_text_and_html_with_the_tracking_link_once():
    need = NeedFactory(title="Laptop per la scuola")
    offer = OfferFactory(title="Trenta portatili", need=need, language="en")

    assert send_offer_confirmation(offer.pk) is True
    assert send_offer_confirmation(offer.pk) is False  # redelivered: nothing sent twice
    assert send_offer_confirmation(987654321) is False  # gone: returns quietly

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [offer.submitted_email]
    assert "Trenta portatili" in message.subject
    link = f"/offers/track/{offer.tracking_token}/"
    assert link in message.body
    assert "Laptop per la scuola" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert link in html
    assert '<html lang="en">' in html
    offer.refresh_from_db()
    assert offer.confirmation_sent_at is not None


@pytest.mark.django_db
def test_confirmation_escapes_the_submitted_text_in_html():
    offer = OfferFactory(title="<script>alert(1)</script>")

    send_offer_confirmation(offer.pk)

    html = mail.outbox[0].alternatives[0][0]
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_mails_the_private_link_and_the_link_shows_the_offer(celery_worker_process):
    folder = Path(os.environ["EMAIL_FILE_PATH"])
    already = {path.name for path in folder.glob("*.log")}
    client = Client()

    response = client.post("/offers/new/", form_data(email="worker-test@rossi-costruzioni.it"))

    assert response.status_code == 302
    offer = Offer.objects.get(submitted_email="worker-test@rossi-costruzioni.it")
    wait_for(lambda: Offer.objects.filter(pk=offer.pk, confirmation_sent_at__isnull=False).exists())
    message = wait_for(
        lambda: next(
            (
                m
                for path in folder.glob("*.log")
                if path.name not in already
                for m in _messages_in(folder)
                if m["To"] == "worker-test@rossi-costruzioni.it"
            ),
            None,
        )
    )
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    match = TRACKING_LINK_RE.search(text)
    assert match is not None, text
    assert match.group(1) == offer.tracking_token
    assert f"/offers/track/{offer.tracking_token}/" in html
    assert "30 computer portatili" in message["Subject"]
    wait_for(
        lambda: not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    )  # both messages (matching hook and e-mail) left the outbox

    page = Client().get(f"/offers/track/{match.group(1)}/")
    assert page.status_code == 200
    assert "30 computer portatili" in page.content.decode()
