"""The vademecum in the admin: read-only lists. Every change goes through the workspace and
its services (versions) or the agreement pages (agreements)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Agreement, Template, TemplateVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
