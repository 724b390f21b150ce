"""Forms of the department workspace and the admin. Rules live in ``services``; the form
runs the same checks first so every problem is shown next to its field."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Need, Neighbourhood


class StyledBoundField(BoundField):
    """Bootstrap Italia classes on every widget; Django 5.2 adds aria-invalid and
    aria-describedby (``<id>_helptext``, ``<id>_error``) itself."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if self.errors:
            css += " is-invalid"
        attrs["class"] = f"{attrs.get('class', '')} {css}".strip()
        return attrs


class NeedForm(forms.ModelForm):
    """Create or edit a need. ``user`` limits the departments to the user's own."""

    bound_field_class = StyledBoundField
    # The admin sets this on a subclass: its forms are built without extra arguments.
    user: Any = None

    class Meta:
        model = Need
        fields = services.EDITABLE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "wanted_by": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "title": _('Short and concrete, e.g. "40 laptops for pupils studying at home".'),
            "description": _(
                "What is needed and why, for whom, and any constraint (delivery, timing). "
                "Do not write names or personal data: this text is public."
            ),
            "quantity": _("How many units are needed in total."),
            "wanted_by": _("Leave empty if there is no deadline."),
            "school": _("Optional: the school where the help is needed."),
        }

    def __init__(
        self, *args: Any, user: Any = None, publishing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user or self.user
        self.publishing = publishing
        # What offers already cover: the total may not go below it.
        self.covered = self.instance.quantity_covered if self.instance.pk else 0
        # The admin's read-only view builds this form without fields.
        if self.user is not None and "department" in self.fields:
            departments = services.departments_for(self.user)
            cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments
            if not self.instance.pk and not self.is_bound and len(departments) == 1:
                self.initial.setdefault("department", departments[0].pk)
        if "neighbourhood" in self.fields:
            neighbourhood = cast(forms.ModelChoiceField, self.fields["neighbourhood"])
            neighbourhood.queryset = Neighbourhood.objects.order_by("name")
            neighbourhood.empty_label = _("Whole city")

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        instance = self.instance
        if isinstance(instance.quantity, int):
            instance.quantity_open = max(instance.quantity - self.covered, 0)
        errors = services.rule_errors(instance, covered=self.covered, publishing=self.publishing)
        for field, messages in errors.items():
            if field not in self.errors:
                for message in messages:
                    self.add_error(field, message)


class CloseNeedForm(forms.Form):
    bound_field_class = StyledBoundField

    reason = forms.CharField(
        label=_("Why is it closed?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional, for the department's records (not shown to the public)."),
    )
