"""The consent texts a contact person agrees to, and the version they belong to.

The wording lives in ``ConsentText`` rows (one per purpose and version, Italian and English,
added by a superuser in the admin, never edited). A ``Consent`` points at the version the
person saw; forms always show, and record, the version in force.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactpoint.audit import log_action

from .models import Consent, ConsentText

# The version seeded with the portal (migration 0010); newer ones come from the admin.
CONSENT_TEXT_VERSION = "2026-11"

# Needed to handle an offer at all: the form cannot be sent without it.
REQUIRED_PURPOSES = (Consent.Purpose.CONTACT,)


def text_in_force(purpose: str) -> ConsentText:
    """The version a person agrees to now; a purpose without any text is a set-up error."""
    text = ConsentText.objects.in_force(Consent.Purpose(purpose))
    if text is None:
        raise ValidationError({"purpose": [_("No consent text is in force for this purpose.")]})
    return text


def current_version(purpose: str) -> str:
    return text_in_force(purpose).version


def consent_text(purpose: str) -> str:
    """The current wording for ``purpose`` in the active language."""
    return text_in_force(purpose).text


def texts_in_force() -> list[ConsentText]:
    """The version in force of every purpose, in the order of ``Consent.Purpose``."""
    texts = ConsentText.objects.all_in_force()
    return [texts[purpose] for purpose in Consent.Purpose.values if purpose in texts]


def texts_for_form(*purposes: str) -> dict[str, ConsentText]:
    """The versions in force for a form's ``purposes`` (one query); a purpose without any
    text is a set-up error."""
    texts = ConsentText.objects.all_in_force()
    if any(purpose not in texts for purpose in purposes):
        raise ValidationError({"purpose": [_("No consent text is in force for this purpose.")]})
    return texts


def publish_consent_text(
    *,
    purpose: str,
    version: str,
    text_it: str,
    text_en: str,
    actor: Any,
    effective_from: datetime | None = None,
) -> ConsentText:
    """Store a new version of a consent text (superusers, from the admin); audited.

    Versions are evidence of what people agreed to: an existing one is never rewritten.
    """
    if purpose not in Consent.Purpose.values:
        raise ValidationError({"purpose": [_("Choose a valid consent purpose.")]})
    version = version.strip()
    errors: dict[str, list[str]] = {}
    if not version:
        errors["version"] = [_("Give the new version a name, e.g. 2027-03.")]
    if not text_it.strip():
        errors["text_it"] = [_("The Italian text is required.")]
    if not text_en.strip():
        errors["text_en"] = [_("The English text is required.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if ConsentText.objects.filter(purpose=purpose, version=version).exists():
            raise ValidationError({"version": [_("This version already exists.")]})
        text = ConsentText.objects.create(
            purpose=purpose,
            version=version,
            text_it=text_it.strip(),
            text_en=text_en.strip(),
            effective_from=effective_from or timezone.now(),
            created_by=actor,
        )
        log_action(
            actor=actor,
            action="stakeholders.consent_text.published",
            obj=text,
            payload={"purpose": purpose, "version": version},
        )
    return text
