"""A small process supervisor for ``manage.py serve``: web, worker and beat side by side.

A child that exits is started again after a pause that doubles with each quick crash (1 s,
2 s, 4 s ... at most ``backoff_max``) and starts over once the child has stayed up for
``stable_after`` seconds. Ctrl-C or SIGTERM stops every child (SIGTERM first, then SIGKILL
after ``stop_timeout``) and returns. Children run in their own sessions, so a Ctrl-C in the
terminal reaches only the supervisor, which stops them in order.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Child:
    name: str
    command: Sequence[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = 0.0
    restart_at: float | None = None
    history: list[int] = field(default_factory=list)  # pids, oldest first


class Supervisor:
    def __init__(
        self,
        commands: Mapping[str, Sequence[str]],
        *,
        cwd: Path | str,
        env: Mapping[str, str],
        log: Callable[[str], None] = print,
        backoff_start: float = 1.0,
        backoff_max: float = 30.0,
        stable_after: float = 60.0,
        stop_timeout: float = 15.0,
        poll_interval: float = 0.2,
    ) -> None:
        self.children = {name: Child(name, list(command)) for name, command in commands.items()}
        self.cwd = cwd
        self.env = dict(env)
        self.log = log
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self.stable_after = stable_after
        self.stop_timeout = stop_timeout
        self.poll_interval = poll_interval
        self.stopping = False

    def request_stop(self, signum: int | None = None, frame: object = None) -> None:
        self.stopping = True

    def start(self, child: Child) -> None:
        child.process = subprocess.Popen(  # noqa: S603 - our own commands, no shell
            child.command, cwd=self.cwd, env=self.env, start_new_session=True
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        child.history.append(child.process.pid)
        self.log(f"{child.name} started (pid {child.process.pid})")

    def check(self, child: Child, now: float) -> None:
        """Notice a child that exited and start it again when its pause is over."""
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.restarts += 1
                self.start(child)
            return
        if child.process is None or child.process.poll() is None:
            return
        uptime = now - child.started_at
        if uptime >= self.stable_after:
            child.backoff = self.backoff_start
        else:
            child.backoff = min(max(child.backoff * 2, self.backoff_start), self.backoff_max)
        child.restart_at = now + child.backoff
        self.log(
            f"{child.name} (pid {child.process.pid}) exited with status "
            f"{child.process.returncode}; starting it again in {child.backoff:g} s"
        )

    def run(self, *, install_signals: bool = True) -> None:
        if install_signals:
            signal.signal(signal.SIGINT, self.request_stop)
            signal.signal(signal.SIGTERM, self.request_stop)
        try:
            for child in self.children.values():
                self.start(child)
            while not self.stopping:
                now = time.monotonic()
                for child in self.children.values():
                    self.check(child, now)
                time.sleep(self.poll_interval)
        finally:
            self.stop_all()

    def stop_all(self) -> None:
        running = [
            c.process
            for c in self.children.values()
            if c.process is not None and c.process.poll() is None
        ]
        for process in running:
            process.terminate()  # celery and gunicorn then stop their own children
        deadline = time.monotonic() + self.stop_timeout
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
