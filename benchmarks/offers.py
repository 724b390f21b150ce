"""Offer intake under load (``make bench`` -> var/bench/offers.json).

On the real services with production settings: gunicorn (``BENCH_WEB_WORKERS`` processes x
``BENCH_WEB_THREADS`` threads, gthread), a Redis of its own on a free port, a prefork
Celery worker, PostgreSQL (database ``contactpoint_bench_offers``, emptied first). The load
comes from Python threads with keep-alive connections:

1. baseline: ``BENCH_OFFERS`` POSTs of a bare Django form (same middleware, validation only);
2. ``BENCH_OFFERS`` offers to ``/api/v1/offers/`` from ``BENCH_CLIENTS`` concurrent clients,
   every tenth repeating the idempotency key of the one before;
3. drain: the time until every stored offer is matched and confirmed by the worker.

The worker starts after step 2 (``BENCH_WORKER_DURING_POSTS=1``: before step 1), so both
POST phases have the same two cores to themselves: the bare form leaves no follow-up work,
and the offers' matching is measured by the drain. Their jobs wait in Redis meanwhile,
published after each commit as in production.

Figures: throughput (requests per second) and median/p95 latency of both, their ratios
(goal: offer throughput >= 0.3x the bare form's), stored vs unique keys, errors.
"""

from __future__ import annotations

import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from django.db import connection
from kombu import Connection

from .common import summary, write_report
from .database import bench_database
from .stack import (
    LoadResult,
    RedisServer,
    Stack,
    database_url,
    free_port,
    plan_offers,
    post_forms,
    post_offers,
    wait_until,
)

BENCH_DATABASE = os.environ.get("BENCH_OFFERS_DATABASE", "contactpoint_bench_offers")


def _empty_intake() -> None:
    """Remove the offers, organisations and jobs of an earlier run (reference data stays)."""
    from django.core.management import call_command

    call_command("createcachetable")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE stakeholders_organisation, contactpoint_outboxmessage, "
            "contactpoint_auditentry, contactpoint_cache RESTART IDENTITY CASCADE"
        )


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _figures(result: LoadResult) -> dict[str, Any]:
    return {
        "requests": result.requests,
        "seconds": round(result.seconds, 2),
        "per_second": round(result.requests / result.seconds, 1) if result.seconds else None,
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        **summary(result.latencies_ms),
    }


def _environment(redis: RedisServer, mail: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "CONTACTPOINT_ENV": "production",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": redis.url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail),
        "OFFER_RATE_LIMIT_PER_IP": "1000000",
        "OFFER_RATE_LIMIT_PER_EMAIL": "1000000",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def run() -> dict[str, Any]:
    from contactpoint import outbox
    from contactpoint.models import OutboxMessage
    from stakeholders.models import Offer

    count = _env_int("BENCH_OFFERS", 1000)
    clients = _env_int("BENCH_CLIENTS", 32)
    workers = _env_int("BENCH_WEB_WORKERS", 3)
    threads = _env_int("BENCH_WEB_THREADS", 4)
    worker_during_posts = bool(_env_int("BENCH_WORKER_DURING_POSTS", 0))
    folder = Path(tempfile.mkdtemp(prefix="cp-bench-offers-"))
    with bench_database(BENCH_DATABASE):
        _empty_intake()
        connection.close()
        redis = RedisServer(folder / "redis")
        redis.start()
        run = Stack(folder=folder, env=_environment(redis, folder / "mail"))
        port = free_port()
        try:
            run.start_web(port, workers=workers, threads=threads)
            if worker_during_posts:
                run.start_worker(concurrency=2, name="bench")
            form = {"title": "Trenta portatili", "email": "a@example.org", "quantity": "30"}
            post_forms("127.0.0.1", port, "/bench/bare-form/", count=50, clients=4, fields=form)
            bare = post_forms(
                "127.0.0.1", port, "/bench/bare-form/", count=count, clients=clients, fields=form
            )
            plan = plan_offers(count, repeat_every=10)
            unique = {key for key, _ in plan}
            offers = post_offers("127.0.0.1", port, plan, clients=clients)
            drain_started = time.perf_counter()
            if not worker_during_posts:
                run.start_worker(concurrency=2, name="bench")
            stored = Offer.objects.count()

            def drained() -> bool:
                with Connection(redis.url, connect_timeout=1) as conn:
                    outbox.relay_pending(connection=conn)
                unfinished = OutboxMessage.objects.filter(outbox.UNFINISHED).exists()
                unsent = Offer.objects.filter(confirmation_sent_at__isnull=True).exists()
                return not unfinished and not unsent

            wait_until(drained, timeout=1800, interval=1, what="every job done")
            drain_seconds = time.perf_counter() - drain_started
            counts = outbox.counts().as_dict()
            matched = OutboxMessage.objects.filter(
                task_name="matching.match_offer", done_at__isnull=False
            ).count()
            confirmed = Offer.objects.filter(confirmation_sent_at__isnull=False).count()
        finally:
            run.stop()
            redis.stop()
            connection.close()

    bare_figures = _figures(bare)
    offer_figures = _figures(offers)
    throughput_ratio = (
        round(offer_figures["per_second"] / bare_figures["per_second"], 3)
        if offer_figures["per_second"] and bare_figures["per_second"]
        else None
    )
    figures = {
        "goal": "offer POST throughput >= 0.3x a bare Django form POST; 0 errors; "
        "stored = unique keys; every offer matched and confirmed",
        "setup": {
            "web": f"gunicorn, {workers} processes x {threads} threads (gthread), "
            "production settings",
            "worker": "Celery prefork, concurrency 2, started "
            + ("before the offers" if worker_during_posts else "after the offers were sent"),
            "broker": "redis-server of its own",
            "clients": clients,
            "offers": count,
            "repeat_every": 10,
        },
        "bare_form": bare_figures,
        "offers": offer_figures,
        "throughput_ratio": throughput_ratio,
        "p95_ratio": round(bare_figures["p95_ms"] / offer_figures["p95_ms"], 3),
        "median_ratio": round(
            statistics.median(bare.latencies_ms) / statistics.median(offers.latencies_ms), 3
        ),
        "errors": len(offers.errors) + (bare.requests - bare.statuses.get(201, 0)),
        "unique_keys": len(unique),
        "stored": stored,
        "matched": matched,
        "confirmed": confirmed,
        "drain_seconds": round(drain_seconds, 1),
        "outbox_after": counts,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(
        f"offers: {offer_figures['per_second']} /s (p95 {offer_figures['p95_ms']} ms), "
        f"bare form: {bare_figures['per_second']} /s (p95 {bare_figures['p95_ms']} ms), "
        f"ratio {throughput_ratio}; stored {stored} of {len(unique)} unique keys, "
        f"{figures['errors']} errors; matched {matched}, confirmed {confirmed} "
        f"(drained in {figures['drain_seconds']} s)"
    )
    write_report("offers", figures)
    return figures
