"""Names that show what they say: one cleaner for every way a name comes in.

Organisation and person names, offer and need titles are shown to staff, put in e-mails,
agreements and exports. Invisible characters there can make one name look like another
(``"Rossi\\u200bSpA"``) and bidi controls can reorder what is shown (``"\\u202egnp.exe"``
reads "exe.png"). So:

- text is normalised to NFC, and zero-width characters (U+200B-U+200D, U+2060, U+FEFF)
  and bidi marks (U+200E, U+200F, U+061C: they only nudge neutral characters) are removed;
- bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), control
  characters, line separators and other invisible format or private-use characters are
  refused with a field error.

The same two functions serve the model field (admin and model forms, ``full_clean``, and a
last normalisation on save), the form field, the API serializer field and the imports.
Look-alike letters from other scripts (homoglyphs) are not this module's business.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .input_fields import CheckedInputField

# Removed silently: they change nothing a reader can see, except by misleading.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u061c]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Unicode categories refused in a name: control, format, private use, surrogate, line and
# paragraph separators.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}

MISLEADING_MESSAGE = _(
    "Remove the invisible or control characters (such as text direction overrides): "
    "they could make the name read differently from what it is."
)


def normalise_name(value: str) -> str:
    """``value`` in NFC, without zero-width characters and bidi marks, trimmed."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", value)).strip()


def misleading_characters(value: str) -> list[str]:
    """The characters of (normalised) ``value`` a name may not hold, as U+XXXX codes."""
    found = {
        ch
        for ch in normalise_name(value)
        if _BIDI_CONTROLS.match(ch) or unicodedata.category(ch) in _REFUSED_CATEGORIES
    }
    return sorted(f"U+{ord(ch):04X}" for ch in found)


def validate_name(value: Any) -> None:
    """Field error for a name with bidi controls or other invisible or control characters."""
    if isinstance(value, str) and misleading_characters(value):
        raise ValidationError(MISLEADING_MESSAGE, code="misleading_characters")


def clean_name(value: str) -> str:
    """The normalised name, or a ValidationError if it holds characters that mislead."""
    validate_name(value)
    return normalise_name(value)


def _strip_refused(value: str) -> str:
    return "".join(
        ch
        for ch in normalise_name(value)
        if not (_BIDI_CONTROLS.match(ch) or unicodedata.category(ch) in _REFUSED_CATEGORIES)
    )


class NameFormField(forms.CharField):
    default_validators = [validate_name]

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return normalise_name(value) if isinstance(value, str) else value


class NameSerializerField(serializers.CharField):
    default_validators = [validate_name]

    def to_internal_value(self, data: Any) -> str:
        return normalise_name(super().to_internal_value(data))


class NameField(CheckedInputField, models.CharField):
    """A name or title: normalised and checked by ``validate_name`` wherever it is edited.

    On save it is normalised once more and anything refused is dropped, so a code path
    that skips validation still stores nothing misleading. In migrations it is a plain
    CharField (the database column is the same).
    """

    default_validators = [validate_name]
    input_form_class = NameFormField
    migration_path = "django.db.models.CharField"

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return normalise_name(value) if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = _strip_refused(value)
            setattr(model_instance, self.attname, value)
        return value


USER_NAME_FIELDS = ("first_name", "last_name")


def _normalise_user_names(sender: Any, instance: Any, **_kwargs: Any) -> None:
    for attname in USER_NAME_FIELDS:
        value = getattr(instance, attname, None)
        if isinstance(value, str):
            setattr(instance, attname, _strip_refused(value))


def guard_user_names() -> None:
    """Give the user model's first and last names the same check and normalisation.

    The user model is Django's own, so its fields cannot be NameFields: the validator joins
    the fields' live validator lists (not their definition, which would need a migration in
    ``django.contrib.auth``) and a pre_save receiver normalises.
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    for name in USER_NAME_FIELDS:
        field = user_model._meta.get_field(name)
        assert isinstance(field, models.CharField)
        if validate_name not in field.validators:
            field.validators.append(validate_name)
    pre_save.connect(
        _normalise_user_names, sender=user_model, dispatch_uid="contactpoint.user_names"
    )
