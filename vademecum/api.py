"""/api/v1/vademecum/: published templates and versions (public), agreements (scoped).

Templates and their public versions (published or retired) are open to everyone.
Agreements are read by the staff who work them (legal office, account managers, team
leads) and by the members of the organisation they belong to; anyone else sees none, and
a token of another organisation's agreement is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.routers import DefaultRouter

from . import services
from .models import Agreement, Template, TemplateVersion

# --- Output ----------------------------------------------------------------------------------


class TextSerializer(serializers.Serializer):
    it = serializers.CharField()
    en = serializers.CharField()


class ClauseSerializer(serializers.Serializer):
    key = serializers.CharField()
    heading = TextSerializer()
    body = TextSerializer()


STATUS_HELP = "draft, approved, published or retired"


class VersionSerializer(serializers.ModelSerializer):
    template = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)
    clauses = ClauseSerializer(many=True, read_only=True)
    guidance = serializers.JSONField(read_only=True)

    class Meta:
        model = TemplateVersion
        fields = (
            "id",
            "template",
            "number",
            "status",
            "changelog",
            "published_at",
            "retired_at",
            "clauses",
            "guidance",
        )


class VersionSummarySerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)

    class Meta:
        model = TemplateVersion
        fields = ("id", "number", "status", "changelog", "published_at", "retired_at")


class TemplateSerializer(serializers.ModelSerializer):
    published_version = serializers.SerializerMethodField()
    versions = VersionSummarySerializer(source="public_versions", many=True, read_only=True)

    class Meta:
        model = Template
        fields = (
            "slug",
            "engagement_method",
            "title_it",
            "title_en",
            "published_version",
            "versions",
        )

    def get_published_version(self, template: Template) -> int | None:
        """The number of the version the public pages show (null when none is published)."""
        for version in template.public_versions:  # type: ignore[attr-defined]
            if version.status == "published":
                return version.number
        return None


class AgreementSerializer(serializers.ModelSerializer):
    template = serializers.CharField(source="version.template.slug")
    version = serializers.IntegerField(source="version.number")
    match = serializers.IntegerField(source="match_id")
    organisation = serializers.CharField(source="match.offer.organisation.legal_name")
    status = serializers.CharField(
        read_only=True, help_text="rendering, ready (waiting for signature), signed or failed"
    )
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = (
            "token",
            "match",
            "organisation",
            "template",
            "version",
            "language",
            "status",
            "sha256",
            "created_at",
            "rendered_at",
            "signed_on",
            "protocol_number",
            "pdf_url",
        )

    def get_pdf_url(self, agreement: Agreement) -> str | None:
        """Download address of the PDF (null until rendered)."""
        if not agreement.pdf:
            return None
        return reverse("vademecum:agreement_pdf", args=[agreement.token])


# --- Views -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Vademecum templates with their public versions"),
    retrieve=extend_schema(summary="One vademecum template"),
)
class TemplateViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TemplateSerializer
    permission_classes = (AllowAny,)
    lookup_field = "slug"
    pagination_class = None

    def get_queryset(self) -> QuerySet[Template]:
        return Template.objects.prefetch_related(
            Prefetch(
                "versions",
                queryset=TemplateVersion.objects.public().order_by("-number"),
                to_attr="public_versions",
            )
        )


@extend_schema_view(
    list=extend_schema(summary="Published and retired template versions, with their clauses"),
    retrieve=extend_schema(summary="One public template version"),
)
class VersionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = VersionSerializer
    permission_classes = (AllowAny,)

    def get_queryset(self) -> QuerySet[TemplateVersion]:
        queryset = TemplateVersion.objects.public().select_related("template")
        slug = self.request.query_params.get("template")
        if slug:
            queryset = queryset.filter(template__slug=slug)
        return queryset.order_by("template__position", "template__slug", "-number")


@extend_schema_view(
    list=extend_schema(summary="Agreements you may read (staff, or your organisations')"),
    retrieve=extend_schema(summary="One agreement, by its token"),
)
class AgreementViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AgreementSerializer
    permission_classes = (IsAuthenticated,)
    lookup_field = "token"

    def get_queryset(self) -> QuerySet[Agreement]:
        user: Any = self.request.user
        return services.agreements_for(user).order_by("-created_at", "-pk")


router = DefaultRouter()
router.register("vademecum/templates", TemplateViewSet, basename="vademecum-template")
router.register("vademecum/versions", VersionViewSet, basename="vademecum-version")
router.register("vademecum/agreements", AgreementViewSet, basename="vademecum-agreement")
