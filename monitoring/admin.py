"""Admin for impact records, indicators and training.

Account managers edit the impact records of their own matches (team leads all); other staff
with the view permission read them. Saving goes through ``monitoring.services`` (audited).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from contactpoint import uploads

from . import services
from .models import (
    Collaboration,
    Evidence,
    ImpactOutcome,
    ImpactOutput,
    Indicator,
    SurveyCampaign,
    SurveyInvitation,
    SurveyQuestion,
    TrainingAttendance,
    TrainingSession,
)


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "unit",
        "level",
        "baseline",
        "target",
        "sdg_target",
        "iris_code",
    ]
    list_filter = ["level"]
    search_fields = ["code", "name", "name_en"]
    readonly_fields = ["code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # each code is computed by monitoring.kpis: new codes need code

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _EditableWithRecord:
    """Inline rows follow the record: editable only where the record is."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_edit(request, obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_edit(request, obj) and super().has_add_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_edit(request, obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


def _may_edit(request: HttpRequest, obj: Collaboration | None) -> bool:
    if obj is None:
        return True
    return Collaboration.objects.editable_by(request.user).filter(pk=obj.pk).exists()


class ImpactOutputInline(_EditableWithRecord, admin.TabularInline):
    model = ImpactOutput
    extra = 0


class ImpactOutcomeInline(_EditableWithRecord, admin.TabularInline):
    model = ImpactOutcome
    extra = 0


class EvidenceInline(_EditableWithRecord, admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["title", "file", "download", "url", "sha256"]
    readonly_fields = ["download", "sha256"]
    # Uploads are not under a public URL: the stored file is reached through "download".
    formfield_overrides = {models.FileField: {"widget": forms.FileInput}}

    @admin.display(description=_("stored file"))
    def download(self, obj: Evidence) -> str:
        if not obj.pk or not obj.file:
            return "-"
        url = reverse("admin:monitoring_evidence_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))


@admin.register(Collaboration)
class CollaborationAdmin(admin.ModelAdmin):
    list_display = [
        "match",
        "engagement_method",
        "started_at",
        "evaluated_at",
        "verification_level",
        "completed_at",
    ]
    list_filter = ["engagement_method", "verification_level", "completed_at"]
    search_fields = ["match__offer__organisation__legal_name", "match__need__title"]
    list_select_related = ["match__offer", "match__need"]
    filter_horizontal = ["departments"]
    readonly_fields = [
        "match",
        "started_at",
        "evaluated_at",
        "confirmed_at",
        "confirmed_by",
        "completed_at",
    ]
    fields = [
        "match",
        "started_at",
        "engagement_method",
        "departments",
        "co_designed_with",
        "why_this_area",
        "cash_eur",
        "evaluation",
        "method_and_limits",
        "evaluated_at",
        "verification_level",
        "confirmation_sent_to",
        "confirmed_at",
        "confirmed_by",
        "completed_at",
    ]
    inlines = [ImpactOutputInline, ImpactOutcomeInline, EvidenceInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Collaboration]:
        return super().get_queryset(request).select_related("match__offer", "match__need")

    def get_urls(self) -> list:
        download = self.admin_site.admin_view(self.evidence_download)
        return [
            path(
                "evidence/<int:pk>/download/",
                download,
                name="monitoring_evidence_download",
            ),
            *super().get_urls(),
        ]

    def evidence_download(self, request: HttpRequest, pk: int) -> FileResponse:
        """An evidence file as a download (see contactpoint.uploads), for who reads the record."""
        evidence = get_object_or_404(
            Evidence.objects.select_related("collaboration").exclude(file=""), pk=pk
        )
        if not self.has_view_permission(request, evidence.collaboration):
            raise PermissionDenied
        name = slugify(evidence.title) or "evidence"
        filename = f"{name}-{evidence.pk}.{uploads.extension(evidence.file.name) or 'bin'}"
        return uploads.download_response(evidence.file, filename=filename)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.confirmed_at is not None:
            fields.append("confirmation_sent_to")  # confirmed: no new link
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # opened by the match entering "in delivery"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _may_edit(request, obj)

    def save_model(self, request: HttpRequest, obj: Collaboration, form: Any, change: bool) -> None:
        services.save_impact_record(
            collaboration=obj, changed=form.changed_data, actor=request.user
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        services.save_impact_rows(collaboration=form.instance, formset=formset, actor=request.user)


class TrainingAttendanceInline(admin.TabularInline):
    model = TrainingAttendance
    extra = 1
    fields = ["name", "email", "department"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "date", "hours", "trainer"]
    date_hierarchy = "date"
    search_fields = ["title", "trainer"]
    inlines = [TrainingAttendanceInline]


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 1
    fields = [
        "order",
        "audience",
        "kind",
        "text",
        "text_en",
        "choices",
        "required",
        "proposes_topics",
    ]


@admin.register(SurveyCampaign)
class SurveyCampaignAdmin(admin.ModelAdmin):
    """The legal office prepares the campaign and sets it to "scheduled"; a daily job opens
    it on its date and sends the invitations."""

    list_display = ["year", "title", "opens_on", "closes_on", "status", "invited", "answered"]
    list_filter = ["status"]
    readonly_fields = ["opened_at", "closed_at"]
    inlines = [SurveyQuestionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SurveyCampaign]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                invited_count=Count("invitations", filter=Q(invitations__sent_at__isnull=False)),
                answered_count=Count(
                    "invitations", filter=Q(invitations__responded_at__isnull=False)
                ),
            )
        )

    @admin.display(description=_("invited"))
    def invited(self, obj: Any) -> int:
        return obj.invited_count

    @admin.display(description=_("answered"))
    def answered(self, obj: Any) -> int:
        return obj.answered_count


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "campaign", "audience", "sent_at", "reminders_sent", "responded_at"]
    list_filter = ["campaign", "audience", ("responded_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "name"]
    fields = ("campaign", "audience", "email", "name", "sent_at", "reminders_sent", "responded_at")
    readonly_fields = (
        "campaign",
        "audience",
        "email",
        "name",
        "sent_at",
        "reminders_sent",
        "responded_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
