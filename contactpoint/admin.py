"""The core in the admin: the outbox (what waits, runs, fails and is dead; dead jobs can be
retried) and the audit trail, which anyone may read with the permission and nobody may
write, change or delete, superusers included."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import api_tokens, outbox
from .admin_scope import ReadOnlyAdmin
from .models import ApiToken, AuditEntry, OutboxMessage


class OutboxStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("pending", _("Waiting for the broker")),
            ("in_flight", _("Published, not done yet")),
            ("failing", _("Failing")),
            ("dead", _("Dead")),
            ("done", _("Done")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "pending":
            return queryset.filter(outbox.PENDING)
        if value == "in_flight":
            return queryset.filter(outbox.IN_FLIGHT)
        if value == "failing":
            return queryset.filter(outbox.UNFINISHED).exclude(last_error="")
        if value == "dead":
            return queryset.filter(outbox.DEAD)
        if value == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["pk", "task_name", "args", "state", "attempts", "created_at", "last_error"]
    list_filter = [OutboxStateFilter, "task_name"]
    search_fields = ["task_name", "dedup_key"]
    ordering = ["-created_at", "-pk"]
    actions = ["retry"]
    readonly_fields = [
        "task_name",
        "args",
        "kwargs",
        "dedup_key",
        "created_at",
        "sent_at",
        "done_at",
        "dead_at",
        "attempts",
        "last_error",
    ]

    def changelist_view(self, request, extra_context=None):
        counts = outbox.counts()
        extra_context = {**(extra_context or {}), "outbox_counts": counts}
        self.message_user(
            request,
            _(
                "Waiting for the broker: %(pending)d. Published, not done yet: %(in_flight)d. "
                "Failing: %(failing)d. Dead: %(dead)d."
            )
            % counts.as_dict(),
            level=messages.WARNING if counts.dead or counts.failing else messages.INFO,
        )
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("state"))
    def state(self, message: OutboxMessage) -> str:
        if message.done_at:
            return str(_("Done"))
        if message.dead_at:
            return str(_("Dead"))
        if message.sent_at:
            return str(_("Published, not done yet"))
        return str(_("Waiting for the broker"))

    @admin.action(description=_("Retry the selected dead jobs"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        retried = outbox.retry_dead(pks=pks, actor=request.user)  # beat's relay publishes them
        self.message_user(
            request,
            ngettext("%(count)d job queued again.", "%(count)d jobs queued again.", retried)
            % {"count": retried},
        )


class AuditAppFilter(admin.SimpleListFilter):
    title = _("area")
    parameter_name = "area"

    def lookups(self, request, model_admin):
        return [(app.label, app.verbose_name) for app in _audited_apps()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action__startswith=f"{self.value()}.")
        return queryset


def _audited_apps() -> list:
    from django.apps import apps

    labels = ("contactpoint", "needs", "stakeholders", "matching", "vademecum", "monitoring")
    return [apps.get_app_config(label) for label in labels]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail, read-only: evidence is never added, edited or deleted by hand."""

    list_display = ["created_at", "actor", "action", "object_type", "object_id", "object_repr"]
    list_filter = [
        AuditAppFilter,
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("content_type", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    list_select_related = ["actor", "content_type"]
    search_fields = ["action", "object_id", "object_repr", "actor__username"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    fields = readonly_fields = (
        "created_at",
        "actor",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "payload",
    )

    @admin.display(description=_("object type"), ordering="content_type")
    def object_type(self, entry: AuditEntry) -> str:
        return str(entry.content_type.name) if entry.content_type else ""

    def get_actions(self, request: HttpRequest):
        return {}


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Every staff token, for superusers: who holds what, and a way to revoke it. The secret
    is never stored, so never shown; tokens are created by their owners on /api-tokens/."""

    fields = (
        "name",
        "user",
        "scope",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_display = fields
    readonly_fields = fields
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__email"]
    ordering = ["-created_at", "-pk"]
    actions = ["revoke"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return bool(request.user.is_superuser)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            api_tokens.revoke_token(token=token, actor=request.user)
        self.message_user(request, _("The selected tokens are revoked."))
