"""Import and export of organisations and contact persons as CSV and XLSX.

The city's stakeholder lists are spreadsheets today. An import is always previewed first:
every row is parsed and validated, and the preview says, row by row, what would be created,
updated or flagged as a possible duplicate, with each error's row, column and message.
Nothing is written unless the whole file is valid, and then everything is written in one
transaction (re-validated inside it), so a file is imported completely or not at all.

Organisation columns (first row = headers, order free, unknown columns ignored):
``kind`` (company, foundation, association, university, third_sector, network,
public_body, or their names), ``legal_name`` (required), ``tax_code``, ``vat_number``,
``website``, ``email_domain``, ``size`` (micro, small, medium, large), ``sector``,
``interests`` (intervention-area slugs separated by ``;``), ``local_group`` and
``focus_group`` (yes/no, sì/no, 1/0).

Contact columns: ``organisation_tax_code`` or ``organisation_name`` (an organisation
already in the registry), ``first_name``, ``last_name``, ``email`` (required), ``role``,
``phone``, ``language`` (it, en).

Matching follows :func:`stakeholders.registry.resolve_organisation`: a row whose tax code
or VAT number is known updates that organisation; a row without codes whose name (without
legal forms) and kind equal an existing organisation's updates it; any other row creates an
organisation, flagged for staff when another one shares its e-mail domain or has a similar
name. Empty cells never erase stored data. Contacts are matched on their e-mail within the
organisation. Imported contacts get no consent records: consent is given by the person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from contactpoint.audit import log_action

from . import contacts, exports, organisations, reading
from .contacts import CONTACT_COLUMNS, _apply_contact_row, preview_contacts
from .exports import CONTENT_TYPES, contact_rows, export, organisation_rows
from .organisations import ORGANISATION_COLUMNS, _apply_organisation_row, preview_organisations
from .reading import (
    CONTACTS,
    FORMATS,
    KINDS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ORGANISATIONS,
    PROGRESS_EVERY,
    ImportFileError,
    ImportNotValid,
    ImportPreview,
    RowError,
    RowPreview,
    drop_stash,
    file_format,
    read_rows,
    read_stash,
    stash_upload,
)

__all__ = [
    "CONTACTS",
    "CONTACT_COLUMNS",
    "CONTENT_TYPES",
    "FORMATS",
    "KINDS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "ORGANISATIONS",
    "ORGANISATION_COLUMNS",
    "ImportFileError",
    "ImportNotValid",
    "ImportPreview",
    "RowError",
    "RowPreview",
    "contact_rows",
    "contacts",
    "drop_stash",
    "export",
    "exports",
    "file_format",
    "import_file",
    "organisation_rows",
    "organisations",
    "preview_file",
    "read_rows",
    "read_stash",
    "reading",
    "stash_upload",
]


def preview_file(*, kind: str, content: bytes, filename: str) -> ImportPreview:
    """Parse and validate the whole file; write nothing."""
    headers, rows = read_rows(content=content, filename=filename)
    if kind == ORGANISATIONS:
        return preview_organisations(headers=headers, rows=rows, filename=filename)
    if kind == CONTACTS:
        return preview_contacts(headers=headers, rows=rows, filename=filename)
    raise ValueError(f"unknown import kind {kind!r}")


def import_file(
    *,
    kind: str,
    content: bytes,
    filename: str,
    actor: Any,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPreview:
    """Import the whole file in one transaction, or raise ``ImportNotValid`` writing nothing.

    The file is validated again inside the transaction (the registry may have changed since
    the preview), under a lock that lets one import run at a time. ``progress(done,
    total)`` is called as rows are written (see ``import_jobs``).
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('stakeholders.import'))")
        preview = preview_file(kind=kind, content=content, filename=filename)
        if not preview.is_valid:
            raise ImportNotValid(preview)
        apply_row = _apply_organisation_row if kind == ORGANISATIONS else _apply_contact_row
        model = "organisation" if kind == ORGANISATIONS else "contactperson"
        total = len(preview.rows)
        for done, row in enumerate(preview.rows, start=1):
            apply_row(row, actor=actor)
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        log_action(
            actor=actor,
            action=f"stakeholders.{model}.imported",
            payload={"filename": filename[:200], "counts": preview.counts},
        )
    return preview
