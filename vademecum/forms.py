"""Forms of the vademecum: editing a draft, preparing and signing an agreement, the guide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactpoint.date_bounds import BoundedDateFormField

from . import guide
from .models import TemplateVersion, pick

LANGUAGE_CHOICES = (("it", _("Italian")), ("en", _("English")))


def field_name(placeholder: str) -> str:
    return placeholder.replace(".", "__")


class DraftForm(forms.Form):
    """The clauses of a draft, one heading and one body per language and clause."""

    changelog = forms.CharField(
        label=_("What changed (changelog)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args: Any, version: TemplateVersion, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"changelog": version.changelog})
        super().__init__(*args, **kwargs)
        self.version = version
        for position, clause in enumerate(version.clauses):
            for part, label, widget in (
                ("heading", _("Heading"), forms.TextInput()),
                ("body", _("Text"), forms.Textarea(attrs={"rows": 4})),
            ):
                for language in ("it", "en"):
                    name = f"c{position}_{part}_{language}"
                    self.fields[name] = forms.CharField(
                        label=f"{clause['key']}: {label} ({language})",
                        initial=pick(clause.get(part), language),
                        widget=widget,
                        max_length=5000,
                    )

    def clause_rows(self) -> list[dict[str, Any]]:
        rows = []
        for position, clause in enumerate(self.version.clauses):
            rows.append(
                {
                    "key": clause["key"],
                    "fields": [
                        self[f"c{position}_{part}_{language}"]
                        for part in ("heading", "body")
                        for language in ("it", "en")
                    ],
                }
            )
        return rows

    def clauses(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "key": clause["key"],
                "heading": {lang: data[f"c{i}_heading_{lang}"] for lang in ("it", "en")},
                "body": {lang: data[f"c{i}_body_{lang}"] for lang in ("it", "en")},
            }
            for i, clause in enumerate(self.version.clauses)
        ]


def _money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("In euro, e.g. 8000.00"),
    )


def _text(label: Any, *, required: bool = False, long: bool = False) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 2}) if long else forms.TextInput()
    return forms.CharField(label=label, required=required, max_length=500, widget=widget)


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.template.title} (v{obj.number})"


class AgreementForm(forms.Form):
    """The template to use and the values the models do not hold."""

    version = VersionChoiceField(
        label=_("Template"),
        queryset=TemplateVersion.objects.none(),
        empty_label=None,
    )
    language = forms.ChoiceField(label=_("Language of the agreement"), choices=LANGUAGE_CHOICES)
    organisation__address = _text(_("Registered office"))
    organisation__representative_name = _text(_("Legal representative"))
    organisation__representative_role = _text(_("Signatory's role"))
    agreement__date = BoundedDateFormField(
        label=_("Date of the agreement"),
        initial=timezone.localdate,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    agreement__duration = _text(_("Duration"))
    agreement__start_date = BoundedDateFormField(
        label=_("Start date"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    agreement__end_date = BoundedDateFormField(
        label=_("End date"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    offer__estimated_value = _money(_("Value declared by the offering party"))
    agreement__value_in_kind_eur = _money(_("Value of the goods or services (euro)"))
    agreement__amount_eur = _money(_("Cash amount (euro)"))
    city__office = _text(_("Signing office"), required=True)
    city__signatory = _text(_("Signatory for the City"))
    communication__visibility = _text(_("Agreed visibility"), long=True)
    communication__logo_use = _text(_("Use of logos"), long=True)
    communication__channels = _text(_("Communication channels"), long=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["version"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            TemplateVersion.objects.published()
            .select_related("template")
            .order_by("template__position", "template__slug")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("agreement__start_date"), data.get("agreement__end_date")
        if start and end and end < start:
            self.add_error("agreement__end_date", _("The end date is before the start date."))
        return data

    def entered(self) -> dict[str, Any]:
        return {
            name.replace("__", "."): value
            for name, value in self.cleaned_data.items()
            if name not in ("version", "language")
        }


class SignForm(forms.Form):
    signed_on = BoundedDateFormField(
        label=_("Signed on"),
        initial=timezone.localdate,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    protocol_number = forms.CharField(label=_("Protocol number"), max_length=60)


class GuideForm(forms.Form):
    """The guide's questions as radio buttons, labels in the current language."""

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in guide.questions():
            self.fields[question["key"]] = forms.ChoiceField(
                label=pick(question["text"], language),
                help_text=pick(question.get("help", ""), language),
                choices=[
                    (option["value"], pick(option["label"], language))
                    for option in question["options"]
                ],
                widget=forms.RadioSelect,
            )
