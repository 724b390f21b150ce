"""``manage.py backup``: the database and the uploaded files into a new dated folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from contactpoint import backup


class Command(BaseCommand):
    help = "Back up the whole database (pg_dump -Fc) and MEDIA_ROOT into var/backups/<time>/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to", type=Path, default=None, help="Parent folder (default: var/backups)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            folder = backup.make_backup(destination=options["to"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written to {folder}"))
