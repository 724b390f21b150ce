"""Links in e-mails point to where the portal answers, whatever port it was started on.

The portal is started for real with ``manage.py serve --port <free port>`` (web, worker
and beat on their own embedded broker, the test database, e-mails written to files). A
visitor submits an offer in the browser; the worker sends the confirmation; the test opens
the tracking link read back from that e-mail.
"""

from __future__ import annotations

import email
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from contactpoint.context_processors import absolute_url
from contactpoint.management.commands import serve
from tests.fixtures.browser import offer_laptops, sottocorno_laptops
from tests.fixtures.celery_worker import database_url_for_current_connection

STARTUP_TIMEOUT = 90
MAIL_TIMEOUT = 90
SERVED_PORTAL_CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "contactpoint_cache",
    }
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert port != 8000
    return port


def wait_for(condition, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"{what} did not happen; the portal said:\n{log.read_text()[-4000:]}")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status in (200, 503)
    except OSError:
        return False


def sent_messages(folder: Path) -> list[email.message.Message]:
    """Every message the file e-mail backend wrote (one file per connection)."""
    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
            if chunk.strip():
                messages.append(email.message_from_string(chunk))
    return messages


def text_of(message: email.message.Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "\n".join(
        part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in parts
        if part.get_content_type() == "text/plain"
    )


@pytest.fixture
def portal(tmp_path, transactional_db) -> Iterator[dict]:
    """``manage.py serve`` on a free, non-default port, against the test database."""
    # The served portal has no Redis: its cache is a table of the test database.
    with override_settings(CACHES=SERVED_PORTAL_CACHES):
        call_command("createcachetable")
    port = free_port()
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / "serve.log"
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("REDIS_URL", "CONTACTPOINT_BASE_URL", "PORT")
    }
    env.update(
        {
            "DATABASE_URL": database_url_for_current_connection(),
            "CONTACTPOINT_ENV": "development",
            # Its own broker: the suite's worker must not take this portal's e-mails.
            "CELERY_FILESYSTEM_DIR": str(tmp_path / "celery"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
        }
    )
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: answers(f"{base}/health/"), STARTUP_TIMEOUT, "the portal start", log_path)
        wait_for(lambda: " ready." in log_path.read_text(), STARTUP_TIMEOUT, "worker", log_path)
        yield {"url": base, "port": port, "mail": mail_dir, "log": log_path}
    finally:
        process.send_signal(signal.SIGTERM)  # serve stops web, worker and beat itself
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.mark.browser
def test_the_tracking_link_of_a_real_email_opens_on_the_port_the_portal_runs_on(portal, page):
    need = sottocorno_laptops()

    offer_laptops(page, portal["url"], need_pk=need.pk, vat_seed=7474)

    def confirmation():
        for message in sent_messages(portal["mail"]):
            if message["To"] == "giovanna@tecnologie-solidali.it":
                return text_of(message)
        return None

    body = wait_for(confirmation, MAIL_TIMEOUT, "the confirmation e-mail", portal["log"])
    link = re.search(r"https?://\S+/offers/track/\S+/", body).group(0)

    assert link.startswith(f"http://127.0.0.1:{portal['port']}/offers/track/")
    page.goto(link)
    assert "20 computer portatili ricondizionati" in page.locator("main").inner_text()
    assert page.console_errors == []


def test_a_request_gives_its_own_host_outside_production(settings, rf):
    settings.CONTACTPOINT_BASE_URL = "https://contactpoint.comune.example"
    request = rf.get("/", HTTP_HOST="127.0.0.1:8100")

    assert absolute_url("/offers/track/x/", request) == "http://127.0.0.1:8100/offers/track/x/"
    assert absolute_url("/my/") == "https://contactpoint.comune.example/my/"


def test_production_always_uses_the_configured_address(settings, rf):
    settings.PRODUCTION = True
    settings.CONTACTPOINT_BASE_URL = "https://contactpoint.comune.example/"
    request = rf.get("/", HTTP_HOST="127.0.0.1:8100")

    assert absolute_url("/my/", request) == "https://contactpoint.comune.example/my/"


@pytest.mark.parametrize(
    ("host", "port", "configured", "expected"),
    [
        ("127.0.0.1", "8100", None, "http://127.0.0.1:8100"),
        ("0.0.0.0", "8200", None, "http://127.0.0.1:8200"),
        ("127.0.0.1", "8100", "https://cp.example.org", "https://cp.example.org"),
    ],
)
def test_serve_hands_its_own_address_to_web_worker_and_beat(
    monkeypatch, host, port, configured, expected
):
    if configured:
        monkeypatch.setenv("CONTACTPOINT_BASE_URL", configured)
    else:
        monkeypatch.delenv("CONTACTPOINT_BASE_URL", raising=False)

    assert serve.Command.base_url(host, port) == expected
