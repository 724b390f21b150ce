"""Admin imports as jobs on the worker: queued with the upload, run once, with progress.

A file near the 20,000-row limit takes minutes to import, longer than any web request may
last, so the admin previews it in the request (read-only) and the worker writes it. The
rows are written in one transaction (``imports.import_file``): a failed job leaves nothing
behind. Progress is written on a connection of its own, so the admin sees it while the
import's transaction is still open.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contactpoint import outbox
from contactpoint.audit import acting_user, log_action

from . import imports
from .models import ImportJob

logger = logging.getLogger(__name__)

RUN_TASK = "stakeholders.run_import_job"
# A job still "running" after this long lost its worker: it may be claimed again (its
# transaction was rolled back with the worker, so nothing of it was written).
STALE_AFTER = timedelta(minutes=30)


def start_import(*, kind: str, content: bytes, filename: str, actor: Any) -> ImportJob:
    """Store the upload as a queued job and have the worker run it after the commit."""
    if kind not in imports.KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    with transaction.atomic():
        job = ImportJob(
            id=uuid.uuid4(),
            kind=kind,
            filename=filename[:200],
            created_by=acting_user(actor),
        )
        job.upload.save(
            f"{job.id}.{imports.file_format(filename)}", ContentFile(content), save=False
        )
        job.save()
        log_action(
            actor=actor,
            action="stakeholders.importjob.queued",
            payload={"job": str(job.id), "kind": kind, "filename": job.filename},
        )
        outbox.enqueue(RUN_TASK, str(job.id), dedup_key=f"import-job-{job.id}")
    return job


def _claim(job_id: Any) -> bool:
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(
            Q(status=ImportJob.Status.QUEUED)
            | Q(status=ImportJob.Status.RUNNING, started_at__lt=now - STALE_AFTER),
            pk=job_id,
        ).update(status=ImportJob.Status.RUNNING, started_at=now, processed_rows=0)
    )


class _ProgressWriter:
    """Writes a job's progress on its own connection, outside the import's transaction."""

    def __init__(self, job_id: Any) -> None:
        self.job_id = job_id
        self.connection = connections.create_connection("default")

    def __call__(self, done: int, total: int) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE stakeholders_importjob SET processed_rows = %s, total_rows = %s "
                "WHERE id = %s",
                [done, total, self.job_id],
            )

    def close(self) -> None:
        self.connection.close()


def _outcomes(preview: imports.ImportPreview) -> list[dict[str, Any]]:
    return [
        {
            "row": row.number,
            "action": "error" if row.errors else row.action,
            "id": getattr(row.target, "pk", None),
            "errors": [f"{e.column}: {e.message}" for e in row.errors],
        }
        for row in preview.rows
    ]


def run_import(*, job_id: Any) -> ImportJob | None:
    """Run a queued job once; return it, or None when it is gone or already taken."""
    if not _claim(job_id):
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    with job.upload.open("rb") as upload:
        content = upload.read()
    writer = _ProgressWriter(job.pk)
    try:
        with transaction.atomic():
            preview = imports.import_file(
                kind=job.kind,
                content=content,
                filename=job.filename,
                actor=job.created_by,
                progress=writer,
            )
            # Marked done in the import's own transaction: done means written, and a
            # redelivered task finds it done.
            job.status = ImportJob.Status.DONE
            job.total_rows = job.processed_rows = len(preview.rows)
            job.counts = preview.counts
            job.outcomes = _outcomes(preview)
            job.finished_at = timezone.now()
            job.save()
    except imports.ImportNotValid as exc:
        _fail(
            job,
            _(
                "The file has errors now (the registry changed since the check): "
                "nothing was imported."
            ),
            exc.preview,
        )
    except imports.ImportFileError as exc:
        _fail(job, str(exc), None)
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _fail(job, _("The import failed unexpectedly: nothing was imported."), None)
    finally:
        writer.close()
    job.refresh_from_db()
    return job


def _fail(job: ImportJob, message: str, preview: imports.ImportPreview | None) -> None:
    job.status = ImportJob.Status.FAILED
    job.error = message
    job.processed_rows = 0
    job.finished_at = timezone.now()
    if preview is not None:
        job.total_rows = len(preview.rows)
        job.counts = preview.counts
        job.outcomes = _outcomes(preview)
    job.save()


REPORT_HEADERS = ("row", "outcome", "id", "errors")


def report_csv(job: ImportJob) -> bytes:
    """The rows' outcomes as CSV: row number, created/updated/flagged/error, id, errors."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_HEADERS)
    for outcome in job.outcomes:
        writer.writerow(
            [
                outcome["row"],
                outcome["action"],
                outcome["id"] or "",
                imports.exports._safe(" | ".join(outcome["errors"])),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
