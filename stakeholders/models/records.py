"""Requests and jobs kept as records: erasure requests and spreadsheet imports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ErasureRequest(models.Model):
    """A stakeholder user asked for their personal data to be erased (GDPR art. 17).

    Recorded from the stakeholder area; staff handle it in the admin, since erasure must
    weigh what the city has to keep (agreements, the audit trail).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Erased")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="erasure_requests",
    )
    # Kept so the request still says who asked once the account itself is erased.
    email = models.EmailField(_("e-mail"), blank=True, default="")
    reason = models.TextField(_("reason"), blank=True, default="", max_length=2000)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    notes = models.TextField(_("staff notes"), blank=True, default="", max_length=5000)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email or self.user_id} {self.created_at:%Y-%m-%d}"


class ImportJob(models.Model):
    """An admin import of organisations or contacts, run by the worker with its progress.

    The uploaded file is kept with the job; the rows' outcomes are kept for the report.
    The id is the job's idempotency key: running the same job twice imports once.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", pgettext_lazy("import job", "Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20)
    filename = models.CharField(_("file name"), max_length=200)
    upload = models.FileField(_("uploaded file"), upload_to="imports/%Y/%m/")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    outcomes = models.JSONField(_("row outcomes"), default=list, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
