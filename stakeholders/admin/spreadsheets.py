"""Spreadsheet import (upload -> preview -> confirm) and export on a changelist."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import import_jobs, imports, privacy

IMPORT_SALT = "stakeholders.admin.import"
IMPORT_SESSION_KEY = "stakeholders_import"
IMPORT_MAX_AGE = 3600


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV or XLSX, at most 5 MB and 20,000 rows."),
    )


class SpreadsheetMixin:
    """Import (upload -> preview -> confirm) and export (CSV/XLSX) on a changelist."""

    import_kind: str = ""

    def spreadsheet_urls(self) -> list:
        opts = self.model._meta  # type: ignore[attr-defined]
        name = f"{opts.app_label}_{opts.model_name}"
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path("import/", wrap(self.import_view), name=f"{name}_import"),
            path("import/confirm/", wrap(self.import_confirm_view), name=f"{name}_import_confirm"),
            path("export/", wrap(self.export_view), name=f"{name}_export"),
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)  # type: ignore[attr-defined]

    def _import_context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        opts = self.model._meta  # type: ignore[attr-defined]
        columns = (
            imports.ORGANISATION_COLUMNS
            if self.import_kind == imports.ORGANISATIONS
            else imports.CONTACT_COLUMNS
        )
        return {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": opts,
            "title": _("Import %(things)s") % {"things": imports.KINDS[self.import_kind]},
            "import_kind": self.import_kind,
            "documented_columns": columns,
            "max_rows": imports.MAX_IMPORT_ROWS,
            **extra,
        }

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            filename = upload.name[:200]
            try:
                if upload.size > imports.MAX_IMPORT_BYTES:
                    raise imports.ImportFileError(
                        _("The file is too large: the limit is %(mb)d MB.")
                        % {"mb": imports.MAX_IMPORT_BYTES // (1024 * 1024)}
                    )
                content = upload.read()
                preview = imports.preview_file(
                    kind=self.import_kind, content=content, filename=filename
                )
            except imports.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                confirm_token = ""
                if preview.is_valid:
                    token = imports.stash_upload(content)
                    request.session[IMPORT_SESSION_KEY] = {
                        "token": token,
                        "kind": self.import_kind,
                        "filename": filename,
                    }
                    confirm_token = signing.dumps(
                        {"token": token, "kind": self.import_kind}, salt=IMPORT_SALT
                    )
                return TemplateResponse(
                    request,
                    "admin/stakeholders/import_preview.html",
                    self._import_context(
                        request,
                        preview=preview,
                        confirm_token=confirm_token,
                        title=_("Check the import of %(file)s") % {"file": filename},
                    ),
                )
        return TemplateResponse(
            request,
            "admin/stakeholders/import_form.html",
            self._import_context(request, form=form),
        )

    def import_confirm_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseRedirect(self._import_url())
        stashed = request.session.get(IMPORT_SESSION_KEY) or {}
        try:
            signed = signing.loads(
                request.POST.get("confirm", ""), salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE
            )
        except signing.BadSignature:
            signed = {}
        content = None
        if signed and signed == {"token": stashed.get("token"), "kind": self.import_kind}:
            content = imports.read_stash(signed["token"])
        if content is None:
            messages.error(
                request, _("This import has expired or was already done: upload the file again.")
            )
            return HttpResponseRedirect(self._import_url())
        filename = stashed.get("filename", "")
        # The rows are written by the worker; the job's page follows it.
        job = import_jobs.start_import(
            kind=self.import_kind, content=content, filename=filename, actor=request.user
        )
        imports.drop_stash(signed["token"])
        request.session.pop(IMPORT_SESSION_KEY, None)
        messages.success(
            request, _("The import of %(file)s has started.") % {"file": filename or "-"}
        )
        return HttpResponseRedirect(reverse("admin:stakeholders_importjob_change", args=[job.pk]))

    def _import_url(self) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_import")

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The changelist's current filter and search, as a file."""
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        params = request.GET.copy()
        fmt = params.pop("format", ["csv"])[-1]
        if fmt not in imports.FORMATS:
            fmt = "csv"
        request.GET = params  # type: ignore[assignment]  # the changelist reads GET
        changelist = self.get_changelist_instance(request)  # type: ignore[attr-defined]
        return self._export_response(request, changelist.get_queryset(request), fmt)

    def _export_response(self, request: HttpRequest, queryset: QuerySet, fmt: str) -> HttpResponse:
        content = imports.export(kind=self.import_kind, queryset=queryset, fmt=fmt)
        rows = queryset.count()
        if rows:  # an empty file shows nobody's data
            privacy.log_personal_data_read(
                actor=request.user, what=f"{self.import_kind}_list", format=fmt, rows=rows
            )
        stamp = timezone.localdate().isoformat()
        response = HttpResponse(content, content_type=imports.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = (
            f'attachment; filename="{slugify(str(imports.KINDS[self.import_kind]))}-{stamp}.{fmt}"'
        )
        return response

    @admin.action(description=gettext_lazy("Export the selected as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return self._export_response(request, queryset, "csv")

    @admin.action(description=gettext_lazy("Export the selected as XLSX"), permissions=["view"])
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return self._export_response(request, queryset, "xlsx")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
            "import_url": self._import_url(),
            "export_url": reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_export"  # type: ignore[attr-defined]
            ),
        }
        return super().changelist_view(request, extra_context)  # type: ignore[misc]
