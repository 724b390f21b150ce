"""/api/v1/organisations/: the stakeholder registry for city staff.

Only account managers, team leads and superusers: everyone else gets 403 (anonymous
callers too, as the API authenticates by session). Creating goes through
``registry.resolve_organisation``: a known tax code or VAT number returns the existing
organisation (200) instead of a copy, a new one is 201 and may be flagged as a possible
duplicate for staff. Updates go through ``registry.update_organisation``. Bad input is a
400 keyed by field name.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from contactpoint import roles
from contactpoint.api_errors import as_api_error
from contactpoint.api_filters import StrictBooleanFilter
from contactpoint.api_schema import detail_error, field_errors_response
from contactpoint.clean_text import NameSerializerField
from needs.models import InterventionArea, Municipio, Neighbourhood

from . import organisation_fields, registry
from .models import Offer, Organisation

SEARCH_MAX_LENGTH = 200

# --- Output -----------------------------------------------------------------------------------


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()


class NetworkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "legal_name"]


class OrganisationOutputSerializer(serializers.ModelSerializer):
    """An organisation as staff see it. Areas by slug, Municipi by number, NIL by id."""

    interests = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    preferred_municipi = serializers.SlugRelatedField(
        slug_field="number", many=True, read_only=True
    )
    preferred_neighbourhoods = serializers.SlugRelatedField(
        slug_field="nil_id", many=True, read_only=True
    )
    relationship_owner = OwnerSerializer(read_only=True, allow_null=True)
    member_of = NetworkSerializer(many=True, read_only=True)
    open_offers = serializers.IntegerField(
        read_only=True, help_text="Offers submitted, in review, matched or in progress."
    )
    # Stored blank when unknown: a plain string (an empty one is no URI) and a size enum
    # that includes the blank.
    website = serializers.CharField(read_only=True, help_text="Website address; empty if unknown.")
    size = serializers.ChoiceField(
        choices=Organisation.Size.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            *organisation_fields.API_FIELDS,
            "merged_into",
            "open_offers",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- Input ------------------------------------------------------------------------------------


class OrganisationCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    legal_name = NameSerializerField(max_length=200)
    tax_code = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="Codice fiscale: 11 digits (legal person) or 16 characters.",
    )
    vat_number = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        default="",
        help_text="Partita IVA: 11 digits, an IT prefix is accepted.",
    )
    website = serializers.URLField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        default="",
        help_text="An e-mail of the organisation: its domain is used to spot duplicates.",
    )


class OrganisationUpdateSerializer(serializers.Serializer):
    """Every field optional (PATCH); PUT sends the whole profile."""

    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    legal_name = NameSerializerField(max_length=200)
    tax_code = serializers.CharField(max_length=20, allow_blank=True)
    vat_number = serializers.CharField(max_length=16, allow_blank=True)
    website = serializers.URLField(max_length=200, allow_blank=True)
    email_domain = serializers.CharField(max_length=100, allow_blank=True)
    size = serializers.ChoiceField(choices=Organisation.Size.choices, allow_blank=True)
    sector = serializers.CharField(max_length=120, allow_blank=True)
    description = serializers.CharField(max_length=5000, allow_blank=True)
    interests = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=InterventionArea.objects.all()
    )
    preferred_municipi = serializers.SlugRelatedField(
        slug_field="number", many=True, queryset=Municipio.objects.all()
    )
    preferred_neighbourhoods = serializers.SlugRelatedField(
        slug_field="nil_id", many=True, queryset=Neighbourhood.objects.all()
    )
    allow_logo_use = serializers.BooleanField()
    allow_press = serializers.BooleanField()
    allow_social = serializers.BooleanField()
    relationship_owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model()
        .objects.filter(is_active=True, groups__name__in=[roles.ACCOUNT_MANAGER, roles.TEAM_LEAD])
        .distinct(),
        allow_null=True,
        help_text="User id of an account manager or team lead.",
    )
    member_of = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Organisation.objects.active(),
        help_text="Ids of the networks this organisation belongs to.",
    )
    local_group = serializers.BooleanField()
    focus_group = serializers.BooleanField()

    def validate_email_domain(self, value: str) -> str:
        value = value.strip().lower().lstrip("@")
        if value and registry.is_public_mail_domain(value):
            raise serializers.ValidationError(
                _("%(domain)s is a public mail provider, not the organisation's domain.")
                % {"domain": value}
            )
        return value


# --- Filters ----------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class AreaSlugFilter(django_filters.ModelMultipleChoiceFilter):
    """Intervention areas by slug (``?interests=stem&interests=verde``: any of them)."""


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=SEARCH_MAX_LENGTH,
        help_text="Part of the legal name, or a tax code / VAT number.",
    )
    kind = django_filters.ChoiceFilter(choices=Organisation.Kind.choices)
    local_group = StrictBooleanFilter()
    focus_group = StrictBooleanFilter()
    interests = AreaSlugFilter(
        field_name="interests__slug",
        to_field_name="slug",
        queryset=InterventionArea.objects.all(),
        help_text="Intervention-area slug; repeat for any of several.",
    )
    relationship_owner = django_filters.NumberFilter(field_name="relationship_owner_id")

    class Meta:
        model = Organisation
        fields = ["q", "kind", "local_group", "focus_group", "interests", "relationship_owner"]

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = " ".join(value.split())
        if not value:
            return queryset
        compact = value.replace(" ", "").upper().removeprefix("IT")
        return queryset.filter(
            Q(legal_name__icontains=value) | Q(tax_code=compact) | Q(vat_number=compact)
        )


# --- Schema pieces ----------------------------------------------------------------------------

Detail = detail_error("Organisation")
BAD_REQUEST = field_errors_response(
    "Organisation",
    OpenApiExample(
        "Malformed tax code",
        value={"tax_code": ["Enter a valid Italian tax code (11 digits or 16 characters)."]},
        response_only=True,
    ),
)
FORBIDDEN = OpenApiResponse(
    response=Detail,
    description="Not signed in, or not an account manager or team lead.",
)
NOT_FOUND = OpenApiResponse(response=Detail, description="No such organisation.")
UPDATE_SCHEMA: dict[str, Any] = {
    "request": OrganisationUpdateSerializer,
    "responses": {
        200: OrganisationOutputSerializer,
        400: BAD_REQUEST,
        403: FORBIDDEN,
        404: NOT_FOUND,
    },
}


class IsRegistryStaff(BasePermission):
    """Account managers, team leads and superusers: the people who keep the registry."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return roles.is_account_staff(user)


@extend_schema_view(
    list=extend_schema(
        summary="List organisations",
        description=(
            "Active organisations of the registry (merged ones are left out), by legal name. "
            "Staff only. Paginated by 20."
        ),
        responses={200: OrganisationOutputSerializer(many=True), 400: BAD_REQUEST, 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="Read an organisation",
        description="Also works for a merged organisation: `merged_into` leads to the one kept.",
        responses={200: OrganisationOutputSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Register an organisation (or find it)",
        description=(
            "A known tax code or VAT number returns the existing organisation with 200; "
            "otherwise it is created (201), and flagged for staff when another organisation "
            "shares its e-mail domain or has a similar name."
        ),
        request=OrganisationCreateSerializer,
        responses={
            200: OrganisationOutputSerializer,
            201: OrganisationOutputSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
        },
    ),
    update=extend_schema(summary="Replace an organisation's profile", **UPDATE_SCHEMA),
    partial_update=extend_schema(summary="Change some fields of an organisation", **UPDATE_SCHEMA),
)
class OrganisationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = OrganisationOutputSerializer
    permission_classes = [IsRegistryStaff]
    filterset_class = OrganisationFilter

    def get_queryset(self) -> QuerySet[Organisation]:
        open_offers = (
            Offer.objects.filter(organisation=OuterRef("pk"), status__in=Offer.OPEN_STATUSES)
            .order_by()
            .annotate(n=Func(F("pk"), function="COUNT"))
            .values("n")
        )
        queryset = (
            Organisation.objects.visible_to(self.request.user)
            .select_related("relationship_owner")
            .prefetch_related(
                Prefetch("interests", queryset=InterventionArea.objects.only("id", "slug")),
                Prefetch("preferred_municipi", queryset=Municipio.objects.only("id", "number")),
                Prefetch(
                    "preferred_neighbourhoods", queryset=Neighbourhood.objects.only("id", "nil_id")
                ),
                Prefetch("member_of", queryset=Organisation.objects.only("id", "legal_name")),
            )
            .annotate(open_offers=Coalesce(Subquery(open_offers, output_field=IntegerField()), 0))
            .order_by("legal_name", "pk")
        )
        if self.action == "list":
            queryset = queryset.active()
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return OrganisationCreateSerializer
        if self.action in ("update", "partial_update"):
            return OrganisationUpdateSerializer
        return OrganisationOutputSerializer

    def _output(self, organisation: Organisation, status_code: int) -> Response:
        fresh = self.get_queryset().get(pk=organisation.pk)
        return Response(OrganisationOutputSerializer(fresh).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = OrganisationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                organisation, created = registry.resolve_organisation(
                    **serializer.validated_data, actor=request.user, source="api"
                )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return self._output(
            organisation, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organisation = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = OrganisationUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            organisation = registry.update_organisation(
                organisation=organisation,
                changes=dict(serializer.validated_data),
                actor=request.user,
            )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return self._output(organisation, status.HTTP_200_OK)
