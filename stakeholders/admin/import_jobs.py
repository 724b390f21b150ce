"""The admin's import jobs: their list, a live progress bar and the report of the rows.

The import pages (upload, preview, confirm) stay on the
organisation and contact changelists; confirming queues a job and leads here.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from contactpoint.admin_scope import ReadOnlyAdmin

from .. import import_jobs
from ..models import ImportJob


def render_progress(job: ImportJob, request: HttpRequest | None = None) -> str:
    """The progress fragment: polls itself while the job runs, shows the outcome after."""
    return render_to_string(
        "admin/stakeholders/importjob_progress.html",
        {
            "job": job,
            "progress_url": reverse("admin:stakeholders_importjob_progress", args=[job.pk]),
            "report_url": reverse("admin:stakeholders_importjob_report", args=[job.pk]),
        },
        request=request,
    )


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Read-only: jobs are started from the import pages and run by the worker."""

    list_display = ("created_at", "filename", "kind", "status", "progress", "created_by")
    list_filter = ("status", "kind")
    list_select_related = ("created_by",)
    search_fields = ("filename",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "progress_bar",
        "filename",
        "kind",
        "status",
        "total_rows",
        "processed_rows",
        "counts",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    fields = readonly_fields

    # Whoever may import organisations or contacts may follow the jobs.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("stakeholders.add_organisation") or request.user.has_perm(
            "stakeholders.add_contactperson"
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, job: ImportJob) -> str:
        return f"{job.percent} %"

    @admin.display(description=gettext_lazy("progress"))
    def progress_bar(self, job: ImportJob) -> str:
        return mark_safe(render_progress(job))  # noqa: S308 - rendered by the template engine

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<uuid:pk>/progress/",
                wrap(self.progress_view),
                name="stakeholders_importjob_progress",
            ),
            path("<uuid:pk>/report/", wrap(self.report_view), name="stakeholders_importjob_report"),
            *super().get_urls(),
        ]

    def _job(self, request: HttpRequest, pk: UUID) -> ImportJob:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(ImportJob, pk=pk)

    def progress_view(self, request: HttpRequest, pk: UUID) -> HttpResponse:
        return HttpResponse(render_progress(self._job(request, pk), request))

    def report_view(self, request: HttpRequest, pk: UUID) -> HttpResponse:
        job = self._job(request, pk)
        response = HttpResponse(import_jobs.report_csv(job), content_type="text/csv; charset=utf-8")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="import-report-{stamp}.csv"'
        return response
