"""``manage.py import_organisations FILE [--contacts] [--dry-run]``: spreadsheets for operators.

Same rules as the admin's import: the whole file is checked first; with errors nothing is
written and every error is listed (row, column, message); without ``--dry-run`` a valid
file is imported in one transaction.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stakeholders import imports


class Command(BaseCommand):
    help = "Import organisations (or, with --contacts, contact persons) from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A .csv or .xlsx file with a header row.")
        parser.add_argument(
            "--contacts", action="store_true", help="The file lists contact persons."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report only; write nothing."
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        kind = imports.CONTACTS if options["contacts"] else imports.ORGANISATIONS
        try:
            if path.stat().st_size > imports.MAX_IMPORT_BYTES:
                raise CommandError(
                    f"{path}: larger than {imports.MAX_IMPORT_BYTES // (1024 * 1024)} MB."
                )
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        try:
            if options["dry_run"]:
                preview = imports.preview_file(kind=kind, content=content, filename=path.name)
            else:
                preview = imports.import_file(
                    kind=kind, content=content, filename=path.name, actor=None
                )
        except imports.ImportFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except imports.ImportNotValid as exc:
            preview = exc.preview
        for row in preview.rows:
            for error in row.errors:
                self.stderr.write(f"row {error.row}, {error.column}: {error.message}")
            if options["verbosity"] > 1 and not row.errors:
                target = f" -> {row.target}" if row.target is not None else ""
                self.stdout.write(f"row {row.number}: {row.action}{target}")
        counts = preview.counts
        summary = (
            f"{counts['total']} rows: {counts['create']} new, {counts['update']} updates, "
            f"{counts['flag']} new flagged as possible duplicates, {counts['error']} with errors."
        )
        if preview.errors:
            raise CommandError(f"{summary} Nothing was imported.")
        if options["dry_run"]:
            self.stdout.write(f"{summary} Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary} Imported."))
