"""Query filters that say no: a value the schema does not allow is a 400 naming the filter,
never a silently unfiltered list."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


class _RawValue(forms.TextInput):
    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class StrictBooleanField(forms.Field):
    widget = _RawValue
    default_error_messages = {"invalid": _("Give true or false.")}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value in ("true", "True", "1"):
            return True
        if value in ("false", "False", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    """``true`` or ``false`` (absent: no filter); anything else is a 400."""

    field_class = StrictBooleanField


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, refusing an empty filter or page (``?area=``): a caller who
    sends a filter means it, and an unfiltered list would look like an answer to it."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        names: set[str] = set()
        paginator = getattr(view, "paginator", None)
        if paginator is not None and getattr(paginator, "page_query_param", None):
            names.add(paginator.page_query_param)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            names.update(filterset_class.base_filters)
        empty = sorted(
            name
            for name in names
            if any(value == "" for value in request.query_params.getlist(name))
        )
        if empty:
            raise ValidationError({name: [_("This value may not be empty.")] for name in empty})
        return super().filter_queryset(request, queryset, view)
