"""The vademecum in the admin: read-only lists. Every change goes through the workspace and
its services (versions) or the agreement pages (agreements)."""

from __future__ import annotations

from django.contrib import admin

from contactpoint.admin_scope import ReadOnlyAdmin

from .models import Agreement, Template, TemplateVersion


@admin.register(Template)
class TemplateAdmin(ReadOnlyAdmin):
    list_display = ("slug", "title_it", "engagement_method", "position")


@admin.register(TemplateVersion)
class TemplateVersionAdmin(ReadOnlyAdmin):
    list_display = ("template", "number", "status", "approved_by", "published_at", "retired_at")
    list_filter = ("status", "template")
    list_select_related = ("template", "approved_by")


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ("match", "version", "status", "created_at", "signed_on", "protocol_number")
    list_filter = ("status",)
    list_select_related = ("version__template", "match")
    exclude = ("token",)
    # Shown, not chosen: a choice list of matches would take the match admin's queue
    # ordering, which exists only on that admin's own annotated queryset.
    readonly_fields = ("match",)
