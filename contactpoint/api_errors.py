"""The API's error shapes, one for every app, and their place in the OpenAPI schema.

A Django ``ValidationError`` raised by a service becomes DRF's
``{"field": ["message"], "non_field_errors": [...]}`` and a 400 (``as_api_error``). Every
other refusal is ``{"detail": "message"}`` (401, 403, 404, 405, 429). The schema says so on
every operation (``document_error_answers``, a drf-spectacular postprocessing hook).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.settings import api_settings

# A field's messages, or (for a list or a nested object) messages keyed by position or name.
FIELD_ERRORS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Invalid input: an object keyed by field name (or `non_field_errors`), "
    "each with a list of messages; a list or nested field has its messages keyed by "
    "position or sub-field.",
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "additionalProperties": True},
        ]
    },
}
ERROR_DETAIL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "scope": {"type": "string", "enum": ["ip", "email"]},
    },
    "required": ["detail"],
}
# A 400 names the fields; a body that cannot be read at all (malformed JSON, a NUL byte) is
# refused before any field, with a detail.
FIELD_ERRORS_REF = {
    "anyOf": [
        {"$ref": "#/components/schemas/FieldErrors"},
        {"$ref": "#/components/schemas/ErrorDetail"},
    ]
}
ERROR_DETAIL_REF = {"$ref": "#/components/schemas/ErrorDetail"}

ERROR_ANSWERS = {
    "400": ("Invalid input or a move the rules refuse; the body names the field.", True),
    "401": ("The bearer token is unknown, revoked or expired (WWW-Authenticate: Bearer).", False),
    "403": ("Not signed in, or your role may not do this (a read token may not write).", False),
    "404": ("No such object, or not visible to you.", False),
    "429": ("Too many requests; see the Retry-After header.", False),
}


def as_api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    detail = serializers.as_serializer_error(exc)
    if NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return serializers.ValidationError(detail)


def _is_field_errors(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    if schema is FIELD_ERRORS_REF:
        return False
    ref = schema.get("$ref", "")
    if ref:
        schema = components.get(ref.rsplit("/", 1)[-1], {})
    return "field_name" in schema.get("properties", {})


def document_error_answers(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Every operation documents the errors it may answer, in the two shared shapes.

    Also mends the older per-app 400 components, which described a literal ``field_name``
    property instead of "any field name".
    """
    components = result.setdefault("components", {}).setdefault("schemas", {})
    stale = [
        name for name, schema in components.items() if "field_name" in schema.get("properties", {})
    ]
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "put", "patch", "post", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status, (description, field_errors) in ERROR_ANSWERS.items():
                ref = FIELD_ERRORS_REF if field_errors else ERROR_DETAIL_REF
                answer = responses.get(status)
                if answer is None:
                    responses[status] = {
                        "description": description,
                        "content": {"application/json": {"schema": ref}},
                    }
                    continue
                content = answer.setdefault("content", {}).setdefault("application/json", {})
                schema = content.get("schema")
                if schema is None or (field_errors and _is_field_errors(schema, components)):
                    content["schema"] = ref
                elif not field_errors:
                    content["schema"] = ERROR_DETAIL_REF
    for name in stale:
        components.pop(name, None)
    components["FieldErrors"] = FIELD_ERRORS_SCHEMA
    components["ErrorDetail"] = ERROR_DETAIL_SCHEMA
    return result
