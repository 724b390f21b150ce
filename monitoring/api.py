"""/api/v1/kpis/ (the dashboard's figures per year, for the cabinet and city staff) and
/api/v1/impact-records/ (collaborations with outputs and outcomes, for match staff).

Bad filters get a 400 naming the field; everyone else gets 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from contactpoint import roles

from . import access, kpis
from .forms import DashboardFilterForm
from .models import Collaboration


class CanReadDashboard(BasePermission):
    message = _("Only the Mayor's Cabinet and city staff can read the indicators.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return access.can_read_dashboard(request.user)


class CanReadImpactRecords(BasePermission):
    message = _("Only account managers, team leads and the legal office can read impact records.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated) and (
            bool(getattr(user, "is_superuser", False))
            or roles.has_role(user, roles.ACCOUNT_MANAGER, roles.TEAM_LEAD, roles.LEGAL)
        )


class KpiSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    level = serializers.CharField()
    value = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    previous = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, help_text="The previous year's value."
    )
    target = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    baseline = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    sdg_target = serializers.CharField()
    iris_code = serializers.CharField()


class KpiPeriodSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    area = serializers.IntegerField(allow_null=True)
    municipio = serializers.IntegerField(allow_null=True)
    kpis = KpiSerializer(many=True)


class KpiViewSet(viewsets.ViewSet):
    permission_classes = [CanReadDashboard]
    list_answers_one_object = True  # one year's figures, not a list (see the schema)

    @extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description="Calendar year (default: this)"),
            OpenApiParameter(
                "area", {"type": "integer", "minimum": 1}, description="Intervention area id"
            ),
            OpenApiParameter(
                "municipio", {"type": "integer", "minimum": 1}, description="Municipio id"
            ),
        ],
        responses=KpiPeriodSerializer,
        summary="KPI values of a year, with the previous year's and the target",
    )
    def list(self, request: Request) -> Response:
        data = request.query_params.copy()
        data.setdefault("year", str(timezone.localdate().year))
        form = DashboardFilterForm(data)
        if not form.is_valid():
            raise ValidationError(form.errors)
        area, municipio = form.cleaned_data["area"], form.cleaned_data["municipio"]
        filters = kpis.Filters(
            year=form.cleaned_data["year"],
            area_id=area.pk if area else None,
            municipio_id=municipio.pk if municipio else None,
        )
        values = kpis.kpi_values(filters)
        body = {
            "year": filters.year,
            "area": filters.area_id,
            "municipio": filters.municipio_id,
            "kpis": list(values.values()),
        }
        return Response(KpiPeriodSerializer(body).data)


class OutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    expected = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    actual = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class OutcomeSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    description = serializers.CharField()
    expected = serializers.CharField()
    actual = serializers.CharField()
    sdg_target = serializers.CharField()


class ImpactRecordSerializer(serializers.ModelSerializer):
    match = serializers.IntegerField(source="match_id")
    organisation = serializers.CharField(source="match.offer.organisation.legal_name")
    need = serializers.CharField(source="match.need.title")
    departments = serializers.SerializerMethodField()
    outputs = OutputSerializer(many=True)
    outcomes = OutcomeSerializer(many=True)

    class Meta:
        model = Collaboration
        fields = [
            "id",
            "match",
            "organisation",
            "need",
            "engagement_method",
            "started_at",
            "completed_at",
            "evaluated_at",
            "verification_level",
            "confirmed_at",
            "departments",
            "outputs",
            "outcomes",
        ]

    def get_departments(self, obj: Collaboration) -> list[str]:
        return [department.name for department in obj.departments.all()]


class ImpactRecordViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [CanReadImpactRecords]
    serializer_class = ImpactRecordSerializer

    def get_queryset(self) -> QuerySet[Collaboration]:
        return (
            Collaboration.objects.select_related("match__offer__organisation", "match__need")
            .prefetch_related("outputs", "outcomes", "departments")
            .order_by("-started_at", "-pk")
        )
