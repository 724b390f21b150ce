"""Dates people type stay within sensible bounds: one validator for every date field.

A deadline in year 9999 or an agreement signed in year 1 is a typo, and one that breaks
later arithmetic (``date.max + timedelta`` overflows) or sorts first in every list. Every
user-entered date must fall between ``INPUT_EARLIEST_DATE`` and ``INPUT_YEARS_AHEAD``
years from today; the model field carries the check (admin and model forms), the form and
serializer fields carry it for plain forms and the API. Editable date-times of every model
get the same validator (``guard_date_times``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .input_fields import CheckedInputField


def bounds() -> tuple[datetime.date, datetime.date]:
    """The earliest and the latest date a person may enter today."""
    earliest = settings.INPUT_EARLIEST_DATE
    today = timezone.localdate()
    years = settings.INPUT_YEARS_AHEAD
    try:
        latest = today.replace(year=today.year + years)
    except ValueError:  # 29 February
        latest = today.replace(year=today.year + years, day=28)
    return earliest, latest


def validate_input_date(value: Any) -> None:
    """Field error for a date before ``INPUT_EARLIEST_DATE`` or too far ahead."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        return
    earliest, latest = bounds()
    if value < earliest:
        raise ValidationError(
            _("Enter a date from %(earliest)s onwards."),
            code="date_too_early",
            params={"earliest": formats.date_format(earliest, "SHORT_DATE_FORMAT")},
        )
    if value > latest:
        raise ValidationError(
            _("Enter a date no later than %(latest)s (at most %(years)d years ahead)."),
            code="date_too_late",
            params={
                "latest": formats.date_format(latest, "SHORT_DATE_FORMAT"),
                "years": settings.INPUT_YEARS_AHEAD,
            },
        )


class BoundedDateFormField(forms.DateField):
    default_validators = [validate_input_date]

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # Only the fixed lower bound: the upper one moves with the days, the form class not.
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", "") == "date" or widget.attrs.get("type") == "date":
            attrs["min"] = settings.INPUT_EARLIEST_DATE.isoformat()
        return attrs


class BoundedDateSerializerField(serializers.DateField):
    default_validators = [validate_input_date]


class BoundedDateField(CheckedInputField, models.DateField):
    """A date a person enters. In migrations it is a plain DateField (same column)."""

    default_validators = [validate_input_date]
    input_form_class = BoundedDateFormField
    migration_path = "django.db.models.DateField"


def guard_date_times() -> None:
    """Give every editable date-time field of every model the same bounds.

    Date-times are rarely typed (the admin shows a few, some from other packages), but one
    in year 1 is stored as 1 BC once in UTC and then cannot be read back. The validator
    joins each field's live validator list, not its definition, so no migration follows.
    """
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.DateTimeField)
                and field.editable
                and validate_input_date not in field.validators
            ):
                field.validators.append(validate_input_date)
