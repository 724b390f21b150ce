"""How the API describes itself: the security of operations anyone may call, and the error
shapes (contactpoint.api_errors) each app's operations answer with."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers


def detail_error(name: str) -> Any:
    """``{"detail": ...}``, as the schema component ``<name>ErrorDetail``."""
    return inline_serializer(name=f"{name}ErrorDetail", fields={"detail": serializers.CharField()})


def field_errors_response(name: str, *examples: OpenApiExample) -> OpenApiResponse:
    """The 400 of invalid input, as the schema component ``<name>FieldErrors``."""
    return OpenApiResponse(
        response=inline_serializer(
            name=f"{name}FieldErrors",
            fields={
                "field_name": serializers.ListField(
                    child=serializers.CharField(), help_text="Messages for that field."
                ),
                "non_field_errors": serializers.ListField(
                    child=serializers.CharField(), required=False
                ),
            },
        ),
        description="Invalid input: an object keyed by field name, each with a list of messages.",
        examples=list(examples),
    )


class ContactPointAutoSchema(AutoSchema):
    """drf-spectacular's schema, with ``{}`` (no credentials) in ``security`` wherever the
    view's own permissions let an anonymous caller in: public reads, the offer form."""

    def get_auth(self) -> list[dict[str, Any]]:
        auth = super().get_auth()
        if {} not in auth and self._anonymous_allowed():
            auth.append({})
        return auth

    def _is_list_view(self, serializer: Any = None) -> bool:
        # A viewset's ``list`` that answers one object (a report) says so.
        if getattr(self.view, "list_answers_one_object", False):
            return False
        return super()._is_list_view(serializer)

    def _anonymous_allowed(self) -> bool:
        request = SimpleNamespace(method=self.method, user=AnonymousUser())
        try:
            return all(
                permission.has_permission(request, self.view)  # type: ignore[arg-type]
                for permission in self.view.get_permissions()
            )
        except Exception:
            return False
