"""Reliability drills on the real services: a Redis of the test's own that we stop, a worker
pool process we kill, concurrent clients repeating idempotency keys.

One stack per module: redis-server on a free port (never the machine's Redis), gunicorn
and a prefork Celery worker on the test database, e-mail written as files. The test process
plays beat: it runs the outbox relay against the drill's Redis.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.db import transaction
from kombu import Connection

from benchmarks.stack import RedisServer, Stack, free_port, plan_offers, post_offers, wait_until
from contactpoint import outbox
from contactpoint.models import OutboxMessage
from matching.models import Match
from stakeholders.models import Offer
from tests.factories import NeedFactory, OfferFactory, UserFactory
from tests.fixtures.celery_worker import worker_env
from tests.stakeholders.offer_support import form_data

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

DRAIN_TIMEOUT = 240
DRILL_PASSWORD = "drill-password-4711"


class Drill:
    def __init__(self, folder: Path, redis: RedisServer, run: Stack, web_port: int) -> None:
        self.folder = folder
        self.redis = redis
        self.run = run
        self.web_port = web_port
        self.mail = folder / "mail"
        self.hang_flag = folder / "hang"

    def mails(self) -> list[str]:
        """Recipients of every e-mail sent (the file backend may append several to a file)."""
        return [
            line.removeprefix("To: ")
            for path in sorted(self.mail.glob("*.log"))
            for line in path.read_text().splitlines()
            if line.startswith("To: ")
        ]

    def relay(self) -> None:
        """What beat does every minute, against the drill's broker."""
        try:
            with Connection(self.redis.url, connect_timeout=1) as conn:
                outbox.relay_pending(connection=conn)
        except Exception:
            pass

    def drain(self, offers: list[int]) -> None:
        """Relay until every offer is matched and confirmed, and the outbox is empty."""

        def finished() -> bool:
            self.relay()
            unconfirmed = Offer.objects.filter(pk__in=offers, confirmation_sent_at__isnull=True)
            return (
                not unconfirmed.exists()
                and not OutboxMessage.objects.filter(outbox.UNFINISHED).exists()
            )

        wait_until(finished, timeout=DRAIN_TIMEOUT, interval=1, what="every job done")


@pytest.fixture(scope="module")
def drill(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("drill")
    redis = RedisServer(folder / "redis")
    redis.start()
    with django_db_blocker.unblock():
        env = worker_env()
    env.update(
        REDIS_URL=redis.url,
        EMAIL_BACKEND="tests.fixtures.mail.HangOnceBackend",
        EMAIL_FILE_PATH=str(folder / "mail"),
        MAIL_HANG_FLAG=str(folder / "hang"),
        OFFER_RATE_LIMIT_PER_IP="100000",
        OFFER_RATE_LIMIT_PER_EMAIL="100000",
        PYTHONUNBUFFERED="1",
    )
    run = Stack(folder=folder, env=env)
    port = free_port()
    try:
        run.start_web(port, workers=2, threads=4)
        run.start_worker(concurrency=2)
        yield Drill(folder, redis, run, port)
    finally:
        run.stop()
        redis.stop()


@pytest.fixture
def lost_jobs_come_back_quickly(settings):
    # Jobs the stopped Redis held are lost; the relay publishes them again after this.
    settings.OUTBOX_REDELIVER_AFTER = 5


def test_redis_stopped_during_200_submissions_refuses_no_one_and_loses_nothing(
    drill, lost_jobs_come_back_quickly
):
    NeedFactory(title="Computer portatili per le scuole", description="Portatili per studenti.")
    plan = plan_offers(200, repeat_every=0, start=10_000)
    already = Counter(drill.mails())

    result = post_offers("127.0.0.1", drill.web_port, plan[:70], clients=8)
    drill.redis.stop()
    post_offers("127.0.0.1", drill.web_port, plan[70:140], clients=8, result=result)
    drill.redis.start()
    post_offers("127.0.0.1", drill.web_port, plan[140:], clients=8, result=result)

    assert result.refused == 0, result.errors[:5]
    assert result.statuses[201] == 200
    offers = list(Offer.objects.values_list("pk", flat=True))
    assert len(offers) == 200

    drill.drain(offers)

    sent = Counter(drill.mails()) - already
    assert len(sent) == 200 and set(sent.values()) == {1}  # each confirmed, once
    assert Match.objects.values("offer").distinct().count() == 200  # each matched
    assert not OutboxMessage.objects.filter(outbox.DEAD).exists()


def test_a_pool_process_killed_mid_send_runs_the_task_again_once(drill):
    offer = OfferFactory()
    with transaction.atomic():
        message = OutboxMessage.objects.create(
            task_name="stakeholders.send_offer_confirmation",
            args=[offer.pk],
            dedup_key=f"offer-confirmation-{offer.pk}",
        )
    already = len(drill.mails())
    sending = Path(f"{drill.hang_flag}.sending")
    sending.unlink(missing_ok=True)
    drill.hang_flag.write_text("hang")

    drill.relay()
    pool_pid = int(wait_until(lambda: sending.exists() and sending.read_text(), timeout=60))
    offer.refresh_from_db()
    assert offer.confirmation_sent_at is None  # nothing recorded before the send
    drill.hang_flag.unlink()  # the next attempt goes through
    os.kill(pool_pid, signal.SIGKILL)

    wait_until(
        lambda: OutboxMessage.objects.filter(pk=message.pk, done_at__isnull=False).exists(),
        timeout=60,
        what="the redelivered task finished",
    )
    offer.refresh_from_db()
    assert offer.confirmation_sent_at is not None
    assert len(drill.mails()) - already == 1  # no duplicate, none lost
    log = drill.run.log("worker-drill").read_text()
    assert "WorkerLostError" in log or "exited with 'signal 9" in log
    assert log.count(f"[{message.celery_task_id}] succeeded") == 1


def test_concurrent_clients_repeating_idempotency_keys_store_each_offer_once(drill):
    NeedFactory(title="Computer portatili per le scuole", description="Portatili per studenti.")
    plan = plan_offers(150, repeat_every=10, start=20_000)
    unique = {key for key, _ in plan}

    result = post_offers("127.0.0.1", drill.web_port, plan, clients=16)

    assert result.refused == 0, result.errors[:5]
    assert result.statuses[201] == len(unique)
    assert result.statuses[200] == len(plan) - len(unique)
    offers = list(Offer.objects.values_list("pk", flat=True))
    assert len(offers) == len(unique)
    drill.drain(offers)
    assert Match.objects.values("offer").distinct().count() == len(unique)


class Browser:
    """A cookie-keeping HTTP client for the drill's gunicorn (no redirects followed)."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, fields: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", "")


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', page) or re.search(
        rf'value="([^"]+)" name="{name}"', page
    )
    assert match, f"no {name} in the page"
    return match.group(1)


def test_with_redis_stopped_the_offer_form_and_sign_in_still_work(drill):
    user = UserFactory(email="drill-person@example.org", password=DRILL_PASSWORD, verified=True)
    drill.redis.stop()
    try:
        browser = Browser(drill.web_port)
        page = browser.get("/offers/new/")
        # The form's idempotency key comes from the session (its cookie is in the jar).
        fields = form_data(email="drill-form@rossi-costruzioni.it")
        fields["csrfmiddlewaretoken"] = _hidden(page, "csrfmiddlewaretoken")
        status, _location = browser.post("/offers/new/", fields)
        assert status == 302
        assert Offer.objects.filter(submitted_email="drill-form@rossi-costruzioni.it").exists()

        signin = Browser(drill.web_port)
        page = signin.get("/accounts/login/")
        status, _location = signin.post(
            "/accounts/login/",
            {
                "login": user.email,
                "password": DRILL_PASSWORD,
                "csrfmiddlewaretoken": _hidden(page, "csrfmiddlewaretoken"),
            },
        )
        assert status == 302
        assert any(cookie.name == "sessionid" for cookie in signin.jar)
    finally:
        drill.redis.start()
    # The jobs of the offer waited in the outbox and go out now.
    drill.drain(list(Offer.objects.values_list("pk", flat=True)))
