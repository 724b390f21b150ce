"""Run web (gunicorn), a Celery worker and Celery beat together, as ``make run`` does.

The process model is bounded so the database is never the first thing to run out: gunicorn
with ``--web-workers`` processes of ``--web-threads`` threads (one PostgreSQL connection per
thread, kept ``CONN_MAX_AGE`` seconds) and a worker of ``--worker-concurrency`` processes;
requests beyond the threads wait in gunicorn's queue instead of opening more connections.
The command refuses to start when that budget does not fit PostgreSQL's ``max_connections``.

A child that crashes is started again with a growing pause (``contactpoint.supervisor``);
Ctrl-C or SIGTERM stops all three.
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from contactpoint import demo
from contactpoint.supervisor import Supervisor

# Connections outside web and worker: beat, the worker's main process, a manage.py command
# or psql of the operator, the health check.
OTHER_CONNECTIONS = 6


def connection_budget(*, web_workers: int, web_threads: int, worker_concurrency: int) -> int:
    """The most PostgreSQL connections web, worker and beat can hold at once."""
    return web_workers * web_threads + worker_concurrency + OTHER_CONNECTIONS


def server_connection_limit() -> int:
    """Connections PostgreSQL accepts from ordinary roles (max minus the reserved ones)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
            " - coalesce(current_setting('reserved_connections', true), '0')::int"
        )
        (limit,) = cursor.fetchone()  # type: ignore[misc]
    return int(limit)


class Command(BaseCommand):
    help = "Start gunicorn, a Celery worker and Celery beat; restart what crashes; Ctrl-C stops."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2"))
        )
        parser.add_argument(
            "--web-threads", type=int, default=int(os.environ.get("WEB_THREADS", "4"))
        )
        parser.add_argument(
            "--worker-concurrency",
            type=int,
            default=int(os.environ.get("WORKER_CONCURRENCY", "2")),
        )

    def handle(self, *args, **options):
        python = sys.executable
        address = f"{options['host']}:{options['port']}"
        budget = connection_budget(
            web_workers=options["web_workers"],
            web_threads=options["web_threads"],
            worker_concurrency=options["worker_concurrency"],
        )
        limit = server_connection_limit()
        if budget > limit:
            raise CommandError(
                f"web and worker could open {budget} PostgreSQL connections but the server "
                f"accepts {limit}: lower --web-workers/--web-threads/--worker-concurrency "
                "or raise max_connections."
            )
        connection.close()  # the children open their own
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "contactpoint.wsgi",
                "--bind",
                address,
                "--workers",
                str(options["web_workers"]),
                "--threads",
                str(options["web_threads"]),
                "--worker-class",
                "gthread",
                "--timeout",
                "60",
                "--graceful-timeout",
                "10",
                "--access-logfile",
                "-",
            ],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "contactpoint",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={options['worker_concurrency']}",
                "--without-gossip",
                "--without-mingle",
            ],
            "beat": [python, "-m", "celery", "-A", "contactpoint", "beat", "--loglevel=INFO"],
        }
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "PORT": str(options["port"]),
            # Links in e-mails sent by the worker and beat point to where this portal answers.
            "CONTACTPOINT_BASE_URL": self.base_url(options["host"], options["port"]),
        }
        supervisor = Supervisor(
            commands,
            cwd=settings.BASE_DIR,
            env=env,
            log=lambda line: self.stdout.write(line),
        )
        self.print_banner(address, budget=budget, limit=limit)
        supervisor.run()
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

    def print_banner(self, address: str, *, budget: int, limit: int) -> None:
        lines = [
            "",
            f"Contact Point is running on http://{address}/  (Ctrl-C stops web, worker and beat)",
            f"Admin: http://{address}/admin/   API docs: http://{address}/api/docs/",
            f"PostgreSQL connections: at most {budget} of the {limit} the server accepts.",
            *demo.login_lines(),
        ]
        lines.append(
            "City staff sign in with a second factor: "
            "python manage.py demo_totp <e-mail> prints the current code."
        )
        self.stdout.write("\n".join(lines) + "\n")
