"""/api/v1/offers/: anonymous create with the form's protections; owners and staff read.

- ``POST`` (anyone): same validation as the public form, through ``offers.submit_offer``.
  Send an ``Idempotency-Key`` header (16-64 of ``A-Z a-z 0-9 - _``): a retry with the same
  key returns the offer created the first time (200 instead of 201). Limits: the form's,
  ``OFFER_RATE_LIMIT_PER_IP`` and ``OFFER_RATE_LIMIT_PER_EMAIL`` accepted offers per window
  (429); refused (400) requests do not count.
- ``GET`` (signed in): a stakeholder reads their organisations' offers, account managers
  and team leads all offers; filters ``status``, ``resource_kind``, ``area``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core import validators
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from contactpoint.api_errors import as_api_error
from contactpoint.api_schema import detail_error, field_errors_response
from contactpoint.clean_text import NameSerializerField
from contactpoint.context_processors import absolute_url
from contactpoint.date_bounds import BoundedDateSerializerField
from needs.models import InterventionArea, Municipio, Neighbourhood, ResourceKind

from . import offers, registry
from .forms import phone_validator, public_need
from .models import Offer, Organisation
from .throttling import client_ip

IDEMPOTENCY_HEADER = "Idempotency-Key"

# --- Input ------------------------------------------------------------------------------------


def _choice_message() -> str:
    # Django's words, with DRF's placeholder: DRF formats it with ``input=``.
    return str(forms.ChoiceField.default_error_messages["invalid_choice"]).replace(
        "%(value)s", "{input}"
    )


# Built once: ``lazy`` makes a new proxy class at every call.
_lazy_choice_message = lazy(_choice_message, str)


def word_errors_like_the_form(field: serializers.Field) -> None:
    """Give ``field`` the messages the public form (Django forms) gives for the same bad
    input, so both doors answer alike (tests/stakeholders/test_offer_contract.py)."""
    required = forms.Field.default_error_messages["required"]
    for key in ("required", "blank", "null"):
        field.error_messages[key] = required
    if isinstance(field, serializers.ChoiceField):
        field.error_messages["invalid_choice"] = _lazy_choice_message()
    elif isinstance(field, serializers.IntegerField):
        field.error_messages["invalid"] = forms.IntegerField.default_error_messages["invalid"]
        # DRF words its own bound validators (differently in Italian): use Django's.
        bounds = (validators.MinValueValidator, validators.MaxValueValidator)
        field.validators = [v for v in field.validators if not isinstance(v, bounds)]
        if field.min_value is not None:
            field.validators.append(validators.MinValueValidator(field.min_value))
        if field.max_value is not None:
            field.validators.append(validators.MaxValueValidator(field.max_value))
    elif isinstance(field, serializers.DateField):
        field.error_messages["invalid"] = forms.DateField.default_error_messages["invalid"]
    if isinstance(field, serializers.CharField) and field.max_length is not None:
        # DRF words its own length validator; Django's says how long the value was.
        field.validators = [
            v for v in field.validators if not isinstance(v, validators.MaxLengthValidator)
        ] + [validators.MaxLengthValidator(field.max_length)]


@extend_schema_field({"type": "boolean", "enum": [True]})
class ConsentField(serializers.BooleanField):
    """A consent that must be given: the schema allows only ``true``; ``false`` is a 400
    naming the field."""


def _optional_list(child: serializers.Field, most: int, help_text: Any) -> serializers.ListField:
    """An optional list of at most ``most`` items, empty when left out."""
    return serializers.ListField(
        child=child, required=False, default=list, max_length=most, help_text=help_text
    )


class OfferCreateSerializer(serializers.Serializer):
    """An offer as the public form takes it. Places and areas by stable keys: intervention
    area slugs, Municipio numbers, NIL ids. Field errors are worded as the form's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            word_errors_like_the_form(field)

    legal_name = NameSerializerField(max_length=200, help_text=_("Organisation's legal name."))
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    tax_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    vat_number = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    website = serializers.URLField(max_length=200, required=False, allow_blank=True, default="")
    first_name = NameSerializerField(max_length=100)
    last_name = NameSerializerField(max_length=100)
    role = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default="", validators=[phone_validator]
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    resource_kind = serializers.ChoiceField(choices=ResourceKind.choices)
    title = NameSerializerField(max_length=200)
    description = serializers.CharField(max_length=offers.MAX_DESCRIPTION_LENGTH)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000_000)
    unit = serializers.CharField(max_length=40)
    areas = _optional_list(
        serializers.SlugField(max_length=50), offers.MAX_AREAS, _("Intervention area slugs.")
    )
    municipi = _optional_list(
        serializers.IntegerField(min_value=1, max_value=1000),
        offers.MAX_PLACES,
        _("Municipio numbers; empty means anywhere in the city."),
    )
    neighbourhoods = _optional_list(
        serializers.IntegerField(min_value=1, max_value=100_000),
        offers.MAX_PLACES,
        _("NIL ids; empty means anywhere in the city."),
    )
    available_from = BoundedDateSerializerField(required=False, allow_null=True, default=None)
    available_until = BoundedDateSerializerField(required=False, allow_null=True, default=None)
    allow_logo_use = serializers.BooleanField(required=False, default=False)
    allow_press = serializers.BooleanField(required=False, default=False)
    allow_social = serializers.BooleanField(required=False, default=False)
    need = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Id of a published need this offer answers (optional)."),
    )
    consent_contact = ConsentField(
        help_text=_("Must be true: consent to be contacted about the offer.")
    )
    consent_survey = serializers.BooleanField(required=False, default=False)

    def validate_legal_name(self, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise serializers.ValidationError(_("Enter the organisation's legal name."))
        return value

    def validate_title(self, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise serializers.ValidationError(_("Say in a few words what you offer."))
        return value

    def validate_tax_code(self, value: str) -> str:
        return registry.normalise_tax_code(value)

    def validate_vat_number(self, value: str) -> str:
        return registry.normalise_vat_number(value)

    def validate_consent_contact(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("We need your consent to contact you about your offer.")
            )
        return value

    def validate_need(self, value: int | None) -> Any:
        if value is None:
            return None
        need = public_need(value)
        if need is None:
            raise serializers.ValidationError(_("There is no open need with this id."))
        return need

    def _resolve(self, model: Any, field: str, values: list[Any], label: str) -> list[Any]:
        wanted = list(dict.fromkeys(values))
        found = {
            getattr(obj, field): obj for obj in model.objects.filter(**{f"{field}__in": wanted})
        }
        missing = [value for value in wanted if value not in found]
        if missing:
            raise serializers.ValidationError(
                _("Unknown %(what)s: %(values)s.")
                % {"what": label, "values": ", ".join(str(value) for value in missing)}
            )
        return [found[value] for value in wanted]

    def validate_areas(self, value: list[str]) -> list[Any]:
        return self._resolve(InterventionArea, "slug", value, str(_("intervention areas")))

    def validate_municipi(self, value: list[int]) -> list[Any]:
        return self._resolve(Municipio, "number", value, str(_("municipi")))

    def validate_neighbourhoods(self, value: list[int]) -> list[Any]:
        return self._resolve(Neighbourhood, "nil_id", value, str(_("NIL ids")))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            offers.validate_availability(attrs.get("available_from"), attrs.get("available_until"))
            offers.validate_places(attrs.get("municipi") or [], attrs.get("neighbourhoods") or [])
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        return attrs


# --- Output -----------------------------------------------------------------------------------


class OfferReceiptSerializer(serializers.ModelSerializer):
    """What the submitter gets back: the offer's id, status and private tracking link."""

    tracking_url = serializers.SerializerMethodField()

    class Meta:
        model = Offer
        fields = ["id", "status", "title", "created_at", "tracking_url"]
        read_only_fields = fields

    def get_tracking_url(self, offer: Offer) -> str:
        return absolute_url(
            reverse("offers:track", args=[offer.tracking_token]), self.context.get("request")
        )


class OfferOrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "legal_name", "kind"]


class OfferSerializer(serializers.ModelSerializer):
    organisation = OfferOrganisationSerializer(read_only=True)
    areas = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    municipi = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    neighbourhoods = serializers.SlugRelatedField(slug_field="nil_id", many=True, read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "status",
            "organisation",
            "resource_kind",
            "title",
            "description",
            "quantity",
            "quantity_open",
            "unit",
            "areas",
            "municipi",
            "neighbourhoods",
            "available_from",
            "available_until",
            "allow_logo_use",
            "allow_press",
            "allow_social",
            "need",
            "language",
            "submitted_email",
            "created_at",
            "withdrawn_at",
        ]
        read_only_fields = fields


# --- Filters, errors, schema ------------------------------------------------------------------


class OfferFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Offer.Status.choices)
    resource_kind = django_filters.ChoiceFilter(choices=ResourceKind.choices)
    area = django_filters.CharFilter(
        field_name="areas__slug", distinct=True, max_length=50, label="Intervention area slug"
    )

    class Meta:
        model = Offer
        fields = ["status", "resource_kind", "area"]


Detail = detail_error("Offer")
RateLimited = inline_serializer(
    name="OfferRateLimited",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "scope": serializers.ChoiceField(choices=["ip", "email"], required=False),
    },
)

BAD_REQUEST = field_errors_response(
    "Offer",
    OpenApiExample(
        "Missing and malformed fields",
        value={
            "legal_name": ["This field is required."],
            "tax_code": ["Enter a valid Italian tax code (11 digits or 16 characters)."],
            "available_until": ["The end of the availability must not be before its start."],
        },
        response_only=True,
    ),
    OpenApiExample(
        "Bad idempotency key",
        value={
            "idempotency_key": ["The idempotency key must be 16 to 64 letters, digits, '-' or '_'."]
        },
        response_only=True,
    ),
)
TOO_MANY = OpenApiResponse(
    response=RateLimited,
    description="Too many offers from this IP or e-mail address; see the Retry-After header.",
    examples=[
        OpenApiExample(
            "Per e-mail limit",
            value={
                "detail": "You have sent many offers from this e-mail address in the last hour. "
                "Please try again later, or write to the contact point.",
                "code": "rate_limited",
                "scope": "email",
            },
            response_only=True,
        ),
        OpenApiExample(
            "Per IP limit",
            value={
                "detail": "Many offers have been sent from your connection in the last hour. "
                "Please try again later, or write to the contact point.",
                "code": "rate_limited",
                "scope": "ip",
            },
            response_only=True,
        ),
    ],
)
NOT_AUTHENTICATED = OpenApiResponse(response=Detail, description="Reading offers needs a sign-in.")
NOT_FOUND = OpenApiResponse(response=Detail, description="No such offer, or not yours.")


class OfferPermission(IsAuthenticated):
    """Anyone may offer; reading needs a sign-in (the queryset then limits what is seen)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if view.action == "create":
            return True
        return super().has_permission(request, view)


@extend_schema_view(
    list=extend_schema(
        summary="List offers",
        description=(
            "Your organisations' offers; account managers and team leads see every offer. "
            "Newest first, paginated by 20."
        ),
        responses={200: OfferSerializer(many=True), 403: NOT_AUTHENTICATED},
    ),
    retrieve=extend_schema(
        summary="Read an offer",
        responses={200: OfferSerializer, 403: NOT_AUTHENTICATED, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Offer help to the city (no account needed)",
        description=(
            "Same validation and protections as the public form. A repeated request with the "
            "same Idempotency-Key returns the first offer with status 200; so does the same "
            "content from the same e-mail address within OFFER_DUPLICATE_WINDOW, with an "
            "empty tracking_url (the link was e-mailed to the submitter)."
        ),
        request=OfferCreateSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                required=False,
                description=(
                    "16-64 characters of A-Z a-z 0-9 - _, unique per offer. Strongly "
                    "recommended: retries with the same key never create a second offer."
                ),
            )
        ],
        responses={
            201: OfferReceiptSerializer,
            200: OpenApiResponse(
                response=OfferReceiptSerializer,
                description="Replay: the offer created earlier with this Idempotency-Key.",
            ),
            400: BAD_REQUEST,
            429: TOO_MANY,
        },
    ),
)
class OfferViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = OfferSerializer
    filterset_class = OfferFilter
    permission_classes = [OfferPermission]

    def get_queryset(self) -> QuerySet[Offer]:
        return (
            Offer.objects.visible_to(self.request.user)
            .select_related("organisation")
            .prefetch_related("areas", "municipi", "neighbourhoods")
            .order_by("-created_at", "-pk")
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return OfferCreateSerializer
        return OfferSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            key = offers.new_idempotency_key()
        else:
            try:
                offers.validate_idempotency_key(key)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"idempotency_key": exc.messages}) from exc
        serializer = OfferCreateSerializer(data=request.data)
        if not serializer.is_valid():
            # A retry whose body no longer validates still gets the offer its key created
            # (a valid one is answered by ``submit_offer``, which looks the key up anyway).
            replay = None
            if IDEMPOTENCY_HEADER in request.headers:
                replay = offers.offer_for_idempotency_key(key)
            if replay is not None:
                return Response(OfferReceiptSerializer(replay).data, status=status.HTTP_200_OK)
            raise serializers.ValidationError(serializer.errors)
        try:
            offer, created = offers.submit_offer(
                data=serializer.validated_data,
                idempotency_key=key,
                actor=request.user,
                client_ip=client_ip(request),
                source="api",
            )
        except offers.OfferRateLimited as exc:
            return Response(
                {"detail": str(exc.message), "code": "rate_limited", "scope": exc.limit.scope},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(exc.limit.retry_after)},
            )
        except DjangoValidationError as exc:
            raise as_api_error(exc) from exc
        receipt = OfferReceiptSerializer(offer).data
        if not created and offer.idempotency_key != key:
            # Found by its content, not by this caller's key: the private link went to the
            # submitter's e-mail and is not handed to whoever repeats the content.
            receipt["tracking_url"] = ""
        return Response(receipt, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
