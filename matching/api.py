"""/api/v1/matches/: the account managers' queue as an API, with the same rules as the admin.

Staff only (account managers, team leads, superusers): everyone else gets 403. Reads list
every match with its score breakdown and routing reason; writes are POST actions that call
the lifecycle services: ``transition``, ``reassign`` (team leads) and ``hand-over``.
A manager acting on a colleague's match gets 403; a move the lifecycle refuses, an unknown
stage or a manager who is not one gets 400 naming the field. Nothing changes then.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from contactpoint.api_filters import StrictBooleanFilter

from . import lifecycle, permissions, routing, sla
from .forms import NOTE_MAX_LENGTH
from .models import Match, Stage

# --- Permission ------------------------------------------------------------------------------


class IsMatchStaff(BasePermission):
    message = _("Only account managers and team leads can use the matches API.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return permissions.is_match_staff(request.user)


# --- Output ----------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    email = serializers.EmailField()

    def get_name(self, user: Any) -> str:
        return user.get_full_name() or user.email


class MatchOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="legal_name")


class MatchOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organisation = MatchOrganisationSerializer()


class MatchNeedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    area = serializers.CharField(source="area.slug", help_text=_("Intervention area (slug)."))
    department = serializers.CharField(source="department.slug", help_text=_("Department (slug)."))


class MatchSerializer(serializers.ModelSerializer):
    offer = MatchOfferSerializer(read_only=True)
    need = MatchNeedSerializer(read_only=True)
    manager = PersonSerializer(read_only=True, allow_null=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    sla_state = serializers.SerializerMethodField()
    routing_summary = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = [
            "id",
            "offer",
            "need",
            "score",
            "score_parts",
            "stage",
            "stage_label",
            "quantity",
            "allocated",
            "manager",
            "other_candidate",
            "routing_reason",
            "routing_summary",
            "assigned_at",
            "first_contact_due",
            "contacted_at",
            "sla_state",
            "created_at",
            "stage_changed_at",
        ]
        read_only_fields = fields

    def get_sla_state(self, match: Match) -> str:
        return str(sla.sla_state(match, today=self.context.get("today")))

    def get_routing_summary(self, match: Match) -> str:
        return routing.describe_reason(match.routing_reason)


# --- Input -----------------------------------------------------------------------------------


# The stages inline in the schema: the output's "stage" already names the enum component.
@extend_schema_field({"type": "string", "enum": list(Stage.values)})
class StageChoiceField(serializers.ChoiceField):
    pass


class TransitionInputSerializer(serializers.Serializer):
    to_stage = StageChoiceField(
        choices=Stage.choices, help_text=_("The stage to move the match to.")
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default=""
    )


@extend_schema_field(OpenApiTypes.INT)
class ManagerField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": _("Choose an active account manager."),
        "incorrect_type": _("Give the account manager's id (a number)."),
    }

    def get_queryset(self) -> QuerySet:
        return permissions.eligible_managers()


class ReassignInputSerializer(serializers.Serializer):
    manager = ManagerField(help_text=_("The id of an active account manager or team lead."))
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default=""
    )


class HandOverInputSerializer(serializers.Serializer):
    manager = ManagerField(help_text=_("The id of the colleague who takes the match."))
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, help_text=_("Why (required)."))


# --- Filters ---------------------------------------------------------------------------------


class MatchFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    manager = django_filters.NumberFilter(field_name="manager_id", label=_("manager id"))
    unassigned = StrictBooleanFilter(method="filter_unassigned", label=_("only unassigned matches"))
    other_candidate = StrictBooleanFilter(
        field_name="other_candidate", label=_("only other candidates (not routed)")
    )
    area = django_filters.CharFilter(
        field_name="need__area__slug", label=_("intervention area (slug)")
    )

    class Meta:
        model = Match
        fields = ["stage", "manager", "unassigned", "other_candidate", "area"]

    def filter_unassigned(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        # Waiting for a team lead: routed but without a manager (other candidates wait on
        # their offer, not in that queue).
        if value is None:
            return queryset
        waiting = Q(manager__isnull=True, other_candidate=False)
        return queryset.filter(waiting) if value else queryset.exclude(waiting)


# --- Views -----------------------------------------------------------------------------------

FORBIDDEN = OpenApiResponse(
    description="Not the assigned account manager or a team lead (or not staff at all)."
)
BAD_INPUT = OpenApiResponse(
    description="The input or the move is refused; the body names the field."
)


@extend_schema_view(
    list=extend_schema(
        summary="List matches",
        description="Every match, best score first, with its score breakdown and routing "
        "reason. Filters: stage (repeatable), manager (id), unassigned, other_candidate, "
        "area (slug).",
    ),
    retrieve=extend_schema(summary="Read one match"),
)
class MatchViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MatchSerializer
    permission_classes = [IsMatchStaff]
    filterset_class = MatchFilter

    def get_queryset(self) -> QuerySet:
        return (
            Match.objects.visible_to(self.request.user)
            .select_related("offer__organisation", "need__area", "need__department", "manager")
            .order_by("-score", "-id")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _respond(self, match: Match) -> Response:
        fresh = self.get_queryset().get(pk=match.pk)
        return Response(self.get_serializer(fresh).data)

    def _run_action(
        self,
        request: Request,
        *,
        input_class: Any,
        run: Any,
        error_field: str,
        lead_only: str = "",
    ) -> Response:
        """Shared path of the POST actions: the match, the right to act (permission before
        input: a colleague learns nothing about the match's state; the team lead's when
        ``lead_only`` gives the refusal), the body, then one lifecycle service as
        ``run(match, data)``, its refusals a 403 and its errors a 400 that names the field."""
        match = self.get_object()
        if lead_only and not permissions.is_team_lead(request.user):
            raise PermissionDenied(lead_only)
        if not lead_only and not permissions.can_act(request.user, match):
            raise PermissionDenied(str(permissions.NOT_PERMITTED_MESSAGE))
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            match = run(match, data.validated_data)
        except lifecycle.NotPermitted as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except lifecycle.MatchError as exc:
            raise ValidationError({exc.field or error_field: [str(exc.message)]}) from exc
        return self._respond(match)

    @extend_schema(
        summary="Move a match to another stage",
        request=TransitionInputSerializer,
        responses={200: MatchSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
        examples=[OpenApiExample("Contacted", value={"to_stage": "contacted", "note": "Call"})],
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        return self._run_action(
            request,
            input_class=TransitionInputSerializer,
            run=lambda match, data: lifecycle.transition(
                match=match, to_stage=data["to_stage"], actor=request.user, note=data["note"]
            ),
            error_field="to_stage",
        )

    @extend_schema(
        summary="Reassign a match (team leads)",
        request=ReassignInputSerializer,
        responses={200: MatchSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        return self._run_action(
            request,
            lead_only=str(_("Only a team lead can reassign a match.")),
            input_class=ReassignInputSerializer,
            run=lambda match, data: lifecycle.reassign(
                match=match, manager=data["manager"], actor=request.user, note=data["note"]
            ),
            error_field="manager",
        )

    @extend_schema(
        summary="Hand a match over to a colleague (its manager or a team lead)",
        request=HandOverInputSerializer,
        responses={200: MatchSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
    )
    @action(detail=True, methods=["post"], url_path="hand-over")
    def hand_over(self, request: Request, pk: str | None = None) -> Response:
        return self._run_action(
            request,
            input_class=HandOverInputSerializer,
            run=lambda match, data: lifecycle.hand_over(
                match=match, manager=data["manager"], actor=request.user, note=data["note"]
            ),
            error_field="manager",
        )
