"""/api/v1/needs/: public read of the catalogue, department write on its own needs.

Reads use the same filters as /needs/. Writes go through ``needs.services``: input and
output serializers are separate, and a rule broken in the service comes back as a 400
naming the field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from contactpoint.api_errors import as_api_error
from contactpoint.api_schema import detail_error, field_errors_response
from contactpoint.clean_text import NameSerializerField
from contactpoint.date_bounds import BoundedDateSerializerField

from . import services
from .filters import SEARCH_MAX_LENGTH, NeedFilter
from .models import Department, InterventionArea, Municipio, Need, Neighbourhood, ResourceKind

# --- Output -----------------------------------------------------------------------------------


class DepartmentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["slug", "name", "name_en"]


class AreaOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = InterventionArea
        fields = ["slug", "name", "name_en"]


class MunicipioOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipio
        fields = ["number", "name"]


class NeighbourhoodOutputSerializer(serializers.ModelSerializer):
    municipio = MunicipioOutputSerializer(read_only=True)

    class Meta:
        model = Neighbourhood
        fields = ["nil_id", "name", "official_name", "municipio"]


class NeedOutputSerializer(serializers.ModelSerializer):
    """A need as the public sees it: no staff names."""

    department = DepartmentOutputSerializer(read_only=True)
    area = AreaOutputSerializer(read_only=True)
    neighbourhood = NeighbourhoodOutputSerializer(read_only=True, allow_null=True)
    quantity_covered = serializers.IntegerField(read_only=True)
    is_stale = serializers.BooleanField(read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "title",
            "description",
            "status",
            "department",
            "area",
            "resource_kind",
            "quantity",
            "quantity_open",
            "quantity_covered",
            "unit",
            "beneficiaries",
            "beneficiaries_count",
            "neighbourhood",
            "school",
            "address",
            "priority",
            "wanted_by",
            "published_at",
            "last_reviewed_at",
            "is_stale",
        ]
        read_only_fields = fields


# --- Input ------------------------------------------------------------------------------------


class NeedInputSerializer(serializers.Serializer):
    """What a department sends to create or change a need. Related objects by stable key:
    department and area by slug, neighbourhood by NIL id."""

    department = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), help_text=_("Department slug.")
    )
    area = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=InterventionArea.objects.all(),
        help_text=_("Intervention area slug."),
    )
    title = NameSerializerField(max_length=200)
    description = serializers.CharField(max_length=5000)
    resource_kind = serializers.ChoiceField(choices=ResourceKind.choices)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    unit = serializers.CharField(max_length=40)
    beneficiaries = serializers.CharField(max_length=300)
    beneficiaries_count = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, required=False, allow_null=True
    )
    neighbourhood = serializers.SlugRelatedField(
        slug_field="nil_id",
        queryset=Neighbourhood.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("NIL id; null for a city-wide need."),
    )
    school = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Need.Priority.choices, required=False)
    wanted_by = BoundedDateSerializerField(required=False, allow_null=True)


class NeedCreateSerializer(NeedInputSerializer):
    publish = serializers.BooleanField(
        required=False, default=False, help_text=_("Publish at once instead of saving a draft.")
    )


class CloseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


# --- Error shapes for the schema --------------------------------------------------------------

Detail = detail_error("Need")

BAD_REQUEST = field_errors_response(
    "Need",
    OpenApiExample(
        "Missing and wrong fields",
        value={
            "title": ["This field is required."],
            "quantity": ["A valid integer is required."],
        },
        response_only=True,
    ),
)
FORBIDDEN = OpenApiResponse(
    response=Detail, description="Signed in without the right to change this department's needs."
)
NOT_FOUND = OpenApiResponse(response=Detail, description="No such need, or not visible to you.")

FILTER_PARAMETERS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description=(
            "Full-text search (Italian and English, accents ignored) in title, beneficiaries, "
            "school and description: every word must match as written, through its lemma or "
            'through a term of its thesaurus group; "quoted phrases" and -exclusions work. '
            f"At most {SEARCH_MAX_LENGTH} characters."
        ),
    ),
    OpenApiParameter("area", OpenApiTypes.STR, description="Intervention area slug."),
    OpenApiParameter(
        "municipio",
        {"type": "integer", "minimum": 1},
        description="Municipio number; includes neighbourhoods that straddle it.",
    ),
    OpenApiParameter("neighbourhood", {"type": "integer", "minimum": 1}, description="NIL id."),
    OpenApiParameter(
        "resource_kind",
        OpenApiTypes.STR,
        enum=[value for value, _label in ResourceKind.choices],
        description="Kind of help needed.",
    ),
]


class NeedPermission(BasePermission):
    """Anyone reads; only department users (and superusers) write."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return services.is_department_user(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Need) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return Need.objects.editable_by(request.user).filter(pk=obj.pk).exists()


@extend_schema_view(
    list=extend_schema(
        summary="List needs",
        description=(
            "Published needs (and, for department staff, their own drafts), most urgent first"
            " or by relevance when `q` is given. Paginated by 20."
        ),
        parameters=FILTER_PARAMETERS,
        responses={200: NeedOutputSerializer(many=True), 400: BAD_REQUEST},
    ),
    retrieve=extend_schema(
        summary="Read a need", responses={200: NeedOutputSerializer, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary="Create a need (department staff)",
        request=NeedCreateSerializer,
        responses={201: NeedOutputSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    ),
    update=extend_schema(
        summary="Replace a need's fields (department staff)",
        request=NeedInputSerializer,
        responses={200: NeedOutputSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Change some of a need's fields (department staff)",
        request=NeedInputSerializer,
        responses={200: NeedOutputSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class NeedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = NeedOutputSerializer
    filterset_class = NeedFilter
    permission_classes = [NeedPermission]

    def get_queryset(self) -> QuerySet[Need]:
        return Need.objects.visible_to(self.request.user).select_related(
            "department", "area", "neighbourhood", "neighbourhood__municipio"
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return NeedCreateSerializer
        if self.action in ("update", "partial_update"):
            return NeedInputSerializer
        if self.action == "close":
            return CloseInputSerializer
        return NeedOutputSerializer

    def _output(self, need: Need, status_code: int = status.HTTP_200_OK) -> Response:
        need = self.get_queryset().get(pk=need.pk)
        return Response(NeedOutputSerializer(need).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            need = services.create_need(actor=request.user, **serializer.validated_data)
        except services.NeedPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return self._output(need, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        need = self.get_object()  # 404 if not visible, 403 if not editable
        serializer = self.get_serializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        try:
            need = services.update_need(need=need, actor=request.user, **serializer.validated_data)
        except services.NeedPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return self._output(need)

    def _run(self, request: Request, service: Any, **extra: Any) -> Response:
        need = self.get_object()
        try:
            need = service(need=need, actor=request.user, **extra)
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return self._output(need)

    @extend_schema(
        summary="Publish a draft or expired need",
        request=None,
        responses={200: NeedOutputSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self._run(request, services.publish_need)

    @extend_schema(
        summary="Confirm a need is still current",
        request=None,
        responses={200: NeedOutputSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        return self._run(request, services.review_need)

    @extend_schema(
        summary="Close a need",
        request=CloseInputSerializer,
        responses={200: NeedOutputSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._run(request, services.close_need, reason=serializer.validated_data["reason"])
