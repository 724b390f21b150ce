"""The real services for drills and load runs: a Redis of our own, gunicorn, a Celery worker,
and a load generator of Python threads posting offers to the API.

Used by ``make bench`` (``benchmarks.offers``) and by the reliability drills in the test
suite. Nothing here touches the machine's own Redis: every run starts ``redis-server`` on a
free port and stops it again.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from stdnum import luhn

PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(db: Mapping[str, Any]) -> str:
    """A DATABASE_URL for a connection's settings (TCP or the embedded server's socket)."""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    user = quote(db.get("USER") or "postgres")
    password = db.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else f"{user}@"
    return f"postgres://{auth}{quote(str(host), safe='')}:{port}/{db['NAME']}"


def wait_until(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"{what} not met within {timeout} s")


def stop_process(process: subprocess.Popen, *, timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RedisServer:
    """``redis-server`` on a port of its own, without persistence: stopping it loses what
    it held, as a crash of a Redis without persistence would."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install -y redis-server)")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=(self.folder / "redis.log").open("a"),
            stderr=subprocess.STDOUT,
        )
        wait_until(self._answers, timeout=20, what="redis-server answers")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Kill it (SIGKILL): queued messages are gone, connections drop at once."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@dataclass
class Stack:
    """Environment shared by the processes of one run."""

    folder: Path
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def start_web(self, port: int, *, workers: int = 2, threads: int = 4) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603
            [
                PYTHON,
                "-m",
                "gunicorn",
                "contactpoint.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--worker-class",
                "gthread",
                "--backlog",
                "2048",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=self.log("web").open("a"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        wait_until(
            lambda: _status(f"http://127.0.0.1:{port}/health/") == 200,
            timeout=90,
            interval=0.5,
            what="the web server answers /health/",
        )
        return process

    def start_worker(self, *, concurrency: int = 2, name: str = "drill") -> subprocess.Popen:
        log = self.log(f"worker-{name}")
        process = subprocess.Popen(  # noqa: S603
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "contactpoint",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{name}-{os.getpid()}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        wait_until(lambda: " ready." in log.read_text(), timeout=90, what="the worker is ready")
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop_process(process)
        self.processes.clear()


def _status(url: str) -> int:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
            return int(response.status)
    except OSError:
        return 0


@contextmanager
def stack(folder: Path, env: Mapping[str, str]) -> Iterator[Stack]:
    run = Stack(folder=folder, env=dict(env))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield run
    finally:
        run.stop()


# --- Load ----------------------------------------------------------------------------------


def vat_number(n: int) -> str:
    """A fictional partita IVA with a valid checksum."""
    base = f"{n % 10_000_000:07d}015"
    return base + luhn.calc_check_digit(base)


SYLLABLES = [
    "ba", "be", "bi", "bo", "ca", "ce", "co", "da", "de", "di", "fa", "fe", "ga", "go", "la",
    "le", "li", "lo", "ma", "me", "mi", "mo", "na", "ne", "no", "pa", "pe", "ri", "ro", "sa",
    "se", "ta", "te", "ti", "to", "va", "ve", "vi", "za", "zo",
]  # fmt: skip


def company_name(n: int) -> str:
    """A made-up company name per number: distinct enough that the registry does not flag
    every new one as a possible duplicate of the others (as real names are)."""
    rng = random.Random(n)
    word = "".join(rng.choice(SYLLABLES) for _ in range(4))
    other = "".join(rng.choice(SYLLABLES) for _ in range(3))
    return f"{word.capitalize()} {other.capitalize()} S.r.l."


def offer_body(n: int, *, title: str = "Computer portatili ricondizionati") -> dict[str, Any]:
    return {
        "legal_name": company_name(n),
        "kind": "company",
        "vat_number": vat_number(500_000 + n),
        "first_name": "Anna",
        "last_name": f"Prova{n}",
        "email": f"offer{n}@impresa-prova-{n}.it",
        "language": "it",
        "resource_kind": "goods",
        "title": f"{title} {n}",
        "description": "Portatili ricondizionati per le scuole, con garanzia di un anno.",
        "quantity": 10,
        "unit": "portatili",
        "consent_contact": True,
    }


@dataclass
class LoadResult:
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, status: int, started: float, *, error: str = "", key: str = "") -> None:
        """One answered (or failed, status 0) request that began at ``started``; thread-safe."""
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.statuses[status] += 1
            self.latencies_ms.append(elapsed)
            if key:
                self.keys.add(key)
            if error:
                self.errors.append(error)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def refused(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in (200, 201))


def plan_offers(count: int, *, repeat_every: int = 10, start: int = 0) -> list[tuple[str, int]]:
    """(idempotency key, body number) for ``count`` requests; every ``repeat_every``-th one
    repeats the key (and body) of the request before it."""
    plan: list[tuple[str, int]] = []
    for i in range(count):
        n = start + i
        if repeat_every and i % repeat_every == repeat_every - 1 and plan:
            plan.append(plan[-1])
        else:
            plan.append((f"load-key-{n:010d}", n))
    return plan


def post_offers(
    host: str,
    port: int,
    plan: list[tuple[str, int]],
    *,
    clients: int,
    path: str = "/api/v1/offers/",
    result: LoadResult | None = None,
) -> LoadResult:
    """POST the planned offers from ``clients`` threads, one keep-alive connection each."""
    result = result or LoadResult()
    local = threading.local()

    def connection() -> http.client.HTTPConnection:
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection(host, port, timeout=120)
        return local.conn

    def send(item: tuple[str, int]) -> None:
        key, n = item
        body = json.dumps(offer_body(n))
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        started = time.perf_counter()
        try:
            conn = connection()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            error = "" if status in (200, 201) else f"{status} for {key}"
        except (OSError, http.client.HTTPException) as exc:
            local.conn = None
            status, error = 0, f"{exc!r} for {key}"
        result.record(status, started, error=error, key=key)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, plan))
    result.seconds += time.perf_counter() - started
    return result


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def post_forms(
    host: str, port: int, path: str, *, count: int, clients: int, fields: Mapping[str, str]
) -> LoadResult:
    """POST a plain urlencoded form ``count`` times from ``clients`` threads."""
    from urllib.parse import urlencode

    result = LoadResult()
    local = threading.local()
    body = urlencode(fields)

    def send(_: int) -> None:
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection(host, port, timeout=120)
        started = time.perf_counter()
        try:
            local.conn.request(
                "POST",
                path,
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = local.conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            local.conn = None
            status = 0
        result.record(status, started)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, range(count)))
    result.seconds = time.perf_counter() - started
    return result


def get_pages(
    host: str, port: int, paths: list[str], *, count: int, clients: int, headers: Mapping[str, str]
) -> LoadResult:
    """GET ``count`` pages, cycling through ``paths``, from ``clients`` threads with one
    keep-alive connection each and no cookies (every request an anonymous visitor)."""
    result = LoadResult()
    local = threading.local()

    def send(i: int) -> None:
        path = paths[i % len(paths)]
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection(host, port, timeout=120)
        started = time.perf_counter()
        try:
            local.conn.request("GET", path, headers=dict(headers))
            response = local.conn.getresponse()
            response.read()
            status = response.status
            error = "" if status == 200 else f"{status} for {path}"
        except (OSError, http.client.HTTPException) as exc:
            local.conn = None
            status, error = 0, f"{exc!r} for {path}"
        result.record(status, started, error=error)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(send, range(count)))
    result.seconds = time.perf_counter() - started
    return result
