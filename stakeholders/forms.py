"""Forms of the public offer intake and of the stakeholder area. They validate; services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from contactpoint.clean_text import NameFormField
from contactpoint.date_bounds import BoundedDateFormField
from needs.models import InterventionArea, Municipio, Need, Neighbourhood, ResourceKind
from needs.widgets import NeighbourhoodCheckboxes

from . import offers, organisation_fields, registry
from .consent import texts_for_form
from .models import Consent, ContactPerson, Organisation

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ./()\-]{4,28}$",
    _("Enter a phone number with digits only, e.g. +39 02 1234 5678."),
    code="invalid_phone",
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _text(max_length: int, *, required: bool = True, **kwargs: Any) -> forms.CharField:
    return forms.CharField(max_length=max_length, required=required, **kwargs)


def _name(max_length: int, **kwargs: Any) -> forms.CharField:
    return NameFormField(max_length=max_length, **kwargs)


def _checkboxes(
    model: Any, label: Any, help_text: Any, *, widget: Any = forms.CheckboxSelectMultiple
) -> forms.ModelMultipleChoiceField:
    """An optional choice of any number of ``model``'s rows, as checkboxes."""
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=model.objects.all(),
        required=False,
        widget=widget,
        help_text=help_text,
    )


class BootstrapItaliaMixin:
    """Adds bootstrap-italia's classes to the widgets, so templates just print fields."""

    def style_widgets(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                continue
            if isinstance(widget, forms.Select):
                continue  # bootstrap-italia styles a bare <select> inside .select-wrapper
            else:
                widget.attrs.setdefault("class", "form-control")


class OfferForm(BootstrapItaliaMixin, forms.Form):
    """The public offer form: who you are, what you offer, which need, consent."""

    # Fields grouped into the page's sections (<fieldset> with a <legend> each).
    ORGANISATION_FIELDS = ("legal_name", "kind", "tax_code", "vat_number", "website")
    CONTACT_FIELDS = ("first_name", "last_name", "role", "email", "phone", "language")
    OFFER_FIELDS = ("resource_kind", "title", "description", "quantity", "unit")
    PLACE_FIELDS = ("municipi", "neighbourhoods")
    WINDOW_FIELDS = ("available_from", "available_until")
    VISIBILITY_FIELDS = ("allow_logo_use", "allow_press", "allow_social")
    CONSENT_FIELDS = ("consent_contact", "consent_survey")

    # Who you are
    legal_name = _name(
        200,
        label=_("Organisation's legal name"),
        help_text=_("As in the company register, e.g. Rossi Costruzioni S.r.l."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=[("", _("Choose…")), *Organisation.Kind.choices],
    )
    tax_code = _text(
        20,
        required=False,
        label=_("Tax code (codice fiscale)"),
        help_text=_("Optional. 11 digits, or 16 characters for a sole trader."),
    )
    vat_number = _text(
        16,
        required=False,
        label=_("VAT number (partita IVA)"),
        help_text=_("Optional. 11 digits."),
    )
    website = forms.URLField(
        max_length=200,
        required=False,
        label=_("Website"),
        assume_scheme="https",
        help_text=_("Optional, e.g. https://www.example.it"),
    )
    first_name = _name(100, label=_("First name"))
    last_name = _name(100, label=_("Last name"))
    role = _text(120, required=False, label=_("Your role"), help_text=_("Optional."))
    email = forms.EmailField(
        max_length=254,
        label=_("E-mail"),
        help_text=_("We send you a private link to follow your offer."),
    )
    phone = _text(
        30, required=False, label=_("Phone"), validators=[phone_validator], help_text=_("Optional.")
    )
    language = forms.ChoiceField(label=_("Language for our messages"), choices=settings.LANGUAGES)

    # What you offer
    resource_kind = forms.ChoiceField(
        label=_("What kind of help"),
        choices=[("", _("Choose…")), *ResourceKind.choices],
    )
    title = _name(200, label=_("What you offer, in short"), help_text=_("e.g. 30 laptops"))
    description = _text(
        offers.MAX_DESCRIPTION_LENGTH,
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Condition, conditions of use, who would take part. At most 5000 characters."),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=10_000_000, help_text=_("A whole number.")
    )
    unit = _text(40, label=_("Unit"), help_text=_("e.g. laptops, hours, euro"))
    areas = _checkboxes(
        InterventionArea,
        _("Intervention areas"),
        _("Optional: the themes your help fits."),
    )
    municipi = _checkboxes(Municipio, _("Municipi"), _("Leave empty to help anywhere in the city."))
    neighbourhoods = _checkboxes(
        Neighbourhood,
        _("Neighbourhoods (NIL)"),
        _(
            "Leave empty to help anywhere in the city. Choosing Municipi above shows only "
            "their neighbourhoods; at most 20 places in all."
        ),
        widget=NeighbourhoodCheckboxes(narrowed_by="municipi"),
    )
    available_from = BoundedDateFormField(
        label=_("Available from"), required=False, widget=DateInput()
    )
    available_until = BoundedDateFormField(
        label=_("Available until"), required=False, widget=DateInput()
    )
    allow_logo_use = forms.BooleanField(label=_("The city may show our logo"), required=False)
    allow_press = forms.BooleanField(
        label=_("The city may mention us to the press"), required=False
    )
    allow_social = forms.BooleanField(
        label=_("The city may mention us on social media"), required=False
    )

    # Which need (optional, preselected with ?need=<id>)
    need = _text(20, required=False, widget=forms.HiddenInput)

    # Consent
    consent_contact = forms.BooleanField(
        required=True,
        error_messages={"required": _("We need your consent to contact you about your offer.")},
    )
    consent_survey = forms.BooleanField(required=False)

    # Protection: a honeypot people never see. (The idempotency key is derived on the
    # server from the session and the content: see offers.form_idempotency_key.)
    homepage = _text(
        200,
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.need_dropped = False
        texts = texts_for_form(Consent.Purpose.CONTACT, Consent.Purpose.SURVEY)
        self.fields["consent_contact"].label = texts[Consent.Purpose.CONTACT].text
        self.fields["consent_survey"].label = texts[Consent.Purpose.SURVEY].text
        # The error summary names these by a short label, not by the whole consent text.
        self.fields["consent_contact"].summary_label = _("Consent to be contacted")  # type: ignore[attr-defined]
        self.fields["consent_survey"].summary_label = _("Consent to the survey")  # type: ignore[attr-defined]
        self.consent_text_version = texts[Consent.Purpose.CONTACT].version
        self.style_widgets()

    # Sections for the template.
    def section(self, names: tuple[str, ...]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def organisation_fields(self) -> list[forms.BoundField]:
        return self.section(self.ORGANISATION_FIELDS)

    def contact_fields(self) -> list[forms.BoundField]:
        return self.section(self.CONTACT_FIELDS)

    def offer_fields(self) -> list[forms.BoundField]:
        return self.section(self.OFFER_FIELDS)

    def place_fields(self) -> list[forms.BoundField]:
        return self.section(self.PLACE_FIELDS)

    def window_fields(self) -> list[forms.BoundField]:
        return self.section(self.WINDOW_FIELDS)

    def visibility_fields(self) -> list[forms.BoundField]:
        return self.section(self.VISIBILITY_FIELDS)

    @property
    def is_spam(self) -> bool:
        """The honeypot was filled: a bot. The view pretends to accept and stores nothing."""
        return bool(self.data.get(self.add_prefix("homepage"), "").strip())

    def clean_tax_code(self) -> str:
        return registry.normalise_tax_code(self.cleaned_data.get("tax_code", ""))

    def clean_vat_number(self) -> str:
        return registry.normalise_vat_number(self.cleaned_data.get("vat_number", ""))

    def clean_legal_name(self) -> str:
        value = " ".join(self.cleaned_data["legal_name"].split())
        if not value:
            raise ValidationError(_("Enter the organisation's legal name."))
        return value

    def clean_title(self) -> str:
        value = " ".join(self.cleaned_data["title"].split())
        if not value:
            raise ValidationError(_("Say in a few words what you offer."))
        return value

    def clean_areas(self) -> Any:
        areas = self.cleaned_data["areas"]
        if len(areas) > offers.MAX_AREAS:
            raise ValidationError(_("Choose at most %(max)d areas.") % {"max": offers.MAX_AREAS})
        return areas

    def clean_need(self) -> Need | None:
        """A public need, or None. A need that is unknown or no longer open is dropped with
        a notice instead of blocking the offer: the help is still welcome."""
        raw = (self.cleaned_data.get("need") or "").strip()
        if not raw:
            return None
        need = public_need(raw)
        if need is None:
            self.need_dropped = True
        return need

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            offers.validate_availability(
                cleaned.get("available_from"), cleaned.get("available_until")
            )
            offers.validate_places(
                cleaned.get("municipi") or [], cleaned.get("neighbourhoods") or []
            )
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


def public_need(raw: Any) -> Need | None:
    """The published need with id ``raw`` (a string from the URL or the form), or None."""
    try:
        pk = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    if pk <= 0 or pk > 2**62:
        return None
    return Need.objects.published().select_related("department", "area").filter(pk=pk).first()


class OrganisationProfileForm(BootstrapItaliaMixin, forms.ModelForm):
    """What a stakeholder may keep up to date themselves (not the identity: name, codes)."""

    website = forms.URLField(
        label=_("Website"), max_length=200, required=False, assume_scheme="https"
    )

    class Meta:
        model = Organisation
        fields = list(organisation_fields.SELF_SERVICE_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "interests": forms.CheckboxSelectMultiple,
            "preferred_municipi": forms.CheckboxSelectMultiple,
            "preferred_neighbourhoods": NeighbourhoodCheckboxes(narrowed_by="preferred_municipi"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def clean_interests(self) -> Any:
        value = self.cleaned_data["interests"]
        if len(value) > offers.MAX_AREAS:
            raise ValidationError(_("Choose at most %(max)d areas.") % {"max": offers.MAX_AREAS})
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            offers.validate_places(
                cleaned.get("preferred_municipi") or [],
                cleaned.get("preferred_neighbourhoods") or [],
            )
        except ValidationError as exc:
            self.add_error("preferred_neighbourhoods", exc.error_dict["neighbourhoods"])
        return cleaned


class ContactPersonForm(BootstrapItaliaMixin, forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = ["first_name", "last_name", "role", "email", "phone", "language", "is_primary"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].validators.append(phone_validator)
        self.style_widgets()


class ErasureRequestForm(BootstrapItaliaMixin, forms.Form):
    reason = _text(
        2000,
        required=False,
        label=_("Anything we should know (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I ask the contact point to erase my personal data."),
        error_messages={"required": _("Tick the box to confirm your request.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()
