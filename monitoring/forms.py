"""Input of the monitoring pages: the dashboard's filters and the beneficiary's confirmation."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needs.models import InterventionArea, Municipio

FIRST_YEAR = 2020


def year_choices() -> list[tuple[int, int]]:
    this_year = timezone.localdate().year
    return [(year, year) for year in range(this_year, FIRST_YEAR - 1, -1)]


class DashboardFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=year_choices)
    area = forms.ModelChoiceField(
        label=_("Intervention area"),
        queryset=InterventionArea.objects.order_by("name"),
        required=False,
        empty_label=_("All areas"),
    )
    municipio = forms.ModelChoiceField(
        label=_("Municipio"),
        queryset=Municipio.objects.order_by("number"),
        required=False,
        empty_label=_("All Municipi"),
    )


class ConfirmDeliveryForm(forms.Form):
    confirmed_by = forms.CharField(
        label=_("Your name and role"),
        max_length=200,
        help_text=_("e.g. Maria Rossi, head teacher"),
    )
