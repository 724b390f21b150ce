"""Input of the monitoring pages: the dashboard's filters and the beneficiary's confirmation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needs.models import Department, InterventionArea, Municipio, ResourceKind

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


def survey_form_class(questions: list[Any]) -> type[forms.Form]:
    """A form with one field per question (named ``q<id>``); rules are checked by
    ``surveys.clean_answers``, so the form only draws the fields."""
    fields: dict[str, forms.Field] = {}
    for question in questions:
        name = f"q{question.pk}"
        label = question.display_text
        if question.kind == "choice":
            fields[name] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", "---------"), *[(c, c) for c in question.choices]],
            )
        elif question.kind == "scale":
            fields[name] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", "---------"), *[(str(i), str(i)) for i in range(1, 6)]],
            )
        else:
            fields[name] = forms.CharField(
                label=label, required=False, max_length=3000, widget=forms.Textarea({"rows": 3})
            )
    return type("SurveyForm", (forms.Form,), fields)


class TopicNeedForm(forms.Form):
    """A survey topic proposed as a candidate need of one of the user's departments."""

    topic = forms.CharField(label=_("Topic"), max_length=300, widget=forms.HiddenInput)
    year = forms.TypedChoiceField(
        label=_("Year"), coerce=int, choices=year_choices, widget=forms.HiddenInput
    )
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    area = forms.ModelChoiceField(
        label=_("Intervention area"), queryset=InterventionArea.objects.order_by("name")
    )
    resource_kind = forms.ChoiceField(label=_("Kind of resource"), choices=ResourceKind.choices)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments.order_by("name")  # type: ignore[attr-defined]
