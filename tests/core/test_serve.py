"""`manage.py serve`: a bounded process model, and crashed children come back."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from benchmarks.stack import free_port
from contactpoint.management.commands.serve import connection_budget, server_connection_limit
from contactpoint.supervisor import Supervisor
from tests.fixtures.celery_worker import wait_for, worker_env

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
CRASHER = [sys.executable, "-c", "raise SystemExit(3)"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): look at its state.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_a_crashed_child_comes_back_with_a_growing_pause_and_stop_ends_them_all(tmp_path):
    lines: list[str] = []
    supervisor = Supervisor(
        {"steady": SLEEPER, "crashing": CRASHER},
        cwd=tmp_path,
        env=dict(os.environ),
        log=lines.append,
        backoff_start=0.05,
        backoff_max=0.2,
        poll_interval=0.02,
    )
    runner = threading.Thread(target=supervisor.run, kwargs={"install_signals": False})
    runner.start()
    try:
        steady = supervisor.children["steady"]
        crashing = supervisor.children["crashing"]
        wait_for(lambda: crashing.restarts >= 4, timeout=30)
        pauses = [
            float(m) for m in re.findall(r"crashing .* again in ([\d.]+) s", "\n".join(lines))
        ]
        assert pauses[:4] == [0.05, 0.1, 0.2, 0.2]  # doubles, up to the maximum

        first_pid = steady.history[0]
        os.kill(first_pid, signal.SIGKILL)
        wait_for(lambda: len(steady.history) == 2, timeout=30)
        assert alive(steady.history[1])
    finally:
        supervisor.request_stop()
        runner.join(timeout=30)
    assert not runner.is_alive()
    assert not any(alive(pid) for child in supervisor.children.values() for pid in child.history)


@pytest.mark.django_db
def test_the_process_model_fits_the_database_connection_limit():
    budget = connection_budget(web_workers=2, web_threads=4, worker_concurrency=2)
    assert budget == 2 * 4 + 2 + 6
    assert budget < server_connection_limit()


def health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as response:
            return response.status
    except OSError:
        return 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_serve_restarts_a_killed_worker_keeps_the_web_up_and_stops_everything_on_ctrl_c(
    tmp_path,
):
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = {**worker_env(), "PYTHONUNBUFFERED": "1"}
    with log_path.open("w") as log:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port), "--web-workers", "1"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: health(port) == 200, timeout=90, interval=0.5)

        def pids(name: str) -> list[int]:
            return [
                int(p) for p in re.findall(rf"{name} started \(pid (\d+)\)", log_path.read_text())
            ]

        worker = pids("worker")[0]
        beat = pids("beat")[0]
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: len(pids("worker")) == 2, timeout=30)
        restarted = pids("worker")[1]
        assert alive(restarted) and alive(beat)
        assert health(port) == 200  # the web never stopped
        children = [pids("web")[0], restarted, beat]

        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=60) == 0
        assert not any(alive(pid) for pid in children)
        assert "Contact Point stopped." in log_path.read_text()
        assert "PostgreSQL connections: at most" in log_path.read_text()
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
