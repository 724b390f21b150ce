"""Run web, Celery worker and Celery beat together, as ``make run`` does.

Ctrl-C or SIGTERM stops all three; if one of them dies, the others are stopped too, so the
portal is never left half running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from contactpoint import demo


class Command(BaseCommand):
    help = "Start the web server, a Celery worker and Celery beat; stop them all on Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, **options):
        python = sys.executable
        address = f"{options['host']}:{options['port']}"
        commands = {
            "web": [python, "manage.py", "runserver", address, "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "contactpoint",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
            ],
            "beat": [python, "-m", "celery", "-A", "contactpoint", "beat", "--loglevel=INFO"],
        }
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "PORT": str(options["port"]),
            # Links in e-mails sent by the worker and beat point to where this portal answers.
            "CONTACTPOINT_BASE_URL": self.base_url(options["host"], options["port"]),
        }
        for name, command in commands.items():
            children[name] = subprocess.Popen(  # noqa: S603
                command, cwd=settings.BASE_DIR, env=env, start_new_session=True
            )
        self.print_banner(address)
        try:
            while not stopping:
                dead = [name for name, child in children.items() if child.poll() is not None]
                if dead:
                    self.stderr.write(f"{', '.join(dead)} stopped: stopping the others.")
                    break
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()  # celery then stops its own pool
            deadline = time.monotonic() + 15
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
            self.stdout.write("Contact Point stopped.")

    @staticmethod
    def base_url(host: str, port: str) -> str:
        """``CONTACTPOINT_BASE_URL`` when it is set (production-like runs), else this address."""
        if os.environ.get("CONTACTPOINT_BASE_URL"):
            return os.environ["CONTACTPOINT_BASE_URL"]
        # Listening on every interface: links still need a host a browser can open.
        if host in ("0.0.0.0", "::", ""):  # noqa: S104
            host = "127.0.0.1"
        return f"http://{host}:{port}"

    def print_banner(self, address: str) -> None:
        lines = [
            "",
            f"Contact Point is running on http://{address}/  (Ctrl-C stops web, worker and beat)",
            f"Admin: http://{address}/admin/   API docs: http://{address}/api/docs/",
            *demo.login_lines(),
        ]
        lines.append(
            "City staff sign in with a second factor: "
            "python manage.py demo_totp <e-mail> prints the current code."
        )
        self.stdout.write("\n".join(lines) + "\n")
