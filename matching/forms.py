"""Input forms of the match workflow (admin actions and the stakeholder's decline)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from . import lifecycle, permissions, quantities
from .models import Match, Stage

NOTE_MAX_LENGTH = 5000


class TransitionForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the match's timeline."),
    )

    def __init__(self, *args: Any, match: Match, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = lifecycle.targets_for(user, match)
        field = cast(forms.ChoiceField, self.fields["to_stage"])
        field.choices = [(stage, Stage(stage).label) for stage in targets]


class ManagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.email})" if name else obj.email or obj.username


class ReassignForm(forms.Form):
    manager = ManagerChoiceField(label=_("Account manager"), queryset=None)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, match: Match, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        managers = permissions.eligible_managers()
        if match.manager_id is not None:
            managers = managers.exclude(pk=match.manager_id)
        cast(forms.ModelChoiceField, self.fields["manager"]).queryset = managers


class HandOverForm(ReassignForm):
    note = forms.CharField(
        label=_("Why you hand it over"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Your colleague reads this note in the timeline."),
    )


class SplitForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Quantity this match proposes"),
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text=_("The rest of the offer stays available for other needs."),
    )

    def __init__(self, *args: Any, match: Match, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.most = lifecycle.split_maximum(match)
        self.fields["quantity"].widget.attrs["max"] = self.most
        self.fields["quantity"].initial = match.quantity

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        refusal = quantities.split_range_error(quantity, most=self.most)
        if refusal is not None:
            raise forms.ValidationError(refusal, code="quantity")
        return quantity


class ContactForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 14})
    )


class StakeholderDeclineForm(forms.Form):
    to_stage = forms.ChoiceField(
        label=_("What do you want to do?"),
        choices=[
            (Stage.DECLINED_BY_STAKEHOLDER, _("Decline this proposal")),
            (Stage.WITHDRAWN, _("Withdraw from this collaboration")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Tell us why (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
