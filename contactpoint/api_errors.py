"""The API's error shape, one for every app: a Django ``ValidationError`` raised by a service
becomes DRF's ``{"field": ["message"], "non_field_errors": [...]}`` and a 400."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.settings import api_settings


def as_api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    detail = serializers.as_serializer_error(exc)
    if NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return serializers.ValidationError(detail)
