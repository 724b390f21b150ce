"""``manage.py restore [FOLDER]``: put a backup back (database and uploaded files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from contactpoint import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by 'manage.py backup' (default: the latest one) into the "
        "configured database, replacing its contents, and put MEDIA_ROOT back. Stop the web "
        "server, worker and beat first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", nargs="?", type=Path, help="var/backups/<time>")
        parser.add_argument(
            "--database", help="Restore into this database instead of the configured one."
        )
        parser.add_argument(
            "--create", action="store_true", help="Create --database first (a fresh one)."
        )
        parser.add_argument("--no-media", action="store_true", help="Leave MEDIA_ROOT as it is.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask before replacing the data."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            folder = options["folder"] or backup.latest_backup()
            if not options["yes"] and not options["create"]:
                answer = input(
                    f"Replace the database and uploaded files with {folder}? Type 'yes': "
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("Nothing restored.")
            manifest = backup.restore_backup(
                folder=folder,
                database=options["database"],
                create=options["create"],
                media=not options["no_media"],
            )
            target = backup.Target.from_settings(options["database"])
            if backup.table_fingerprints(target) != manifest["tables"]:
                raise CommandError(
                    "The restored tables differ from the backup's manifest: check the logs."
                )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {folder}: {len(manifest['tables'])} tables match the backup."
            )
        )
