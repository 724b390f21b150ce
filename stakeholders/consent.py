"""The consent texts a contact person agrees to, and the version they belong to.

A ``Consent`` row stores the purpose and ``CONSENT_TEXT_VERSION``; when the wording below
changes in substance, bump the version (and keep the old wording in the history of this
file), so every stored consent still says which text the person saw.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Consent

CONSENT_TEXT_VERSION = "2026-11"

CONSENT_TEXTS = {
    Consent.Purpose.CONTACT: _(
        "I agree that the contact point of %(city)s may use my name, e-mail address and "
        "phone number to contact me about this offer and about collaborations with the city. "
        "I can withdraw this consent at any time."
    ),
    Consent.Purpose.SURVEY: _(
        "I agree to receive, once a year, the contact point's survey on the state of "
        "collaborations, needs and resources. I can withdraw this consent at any time."
    ),
    Consent.Purpose.NEWS: _(
        "I agree to receive news from the contact point about new needs and events, at most "
        "once a month. I can withdraw this consent at any time."
    ),
    Consent.Purpose.PUBLICITY: _(
        "I agree that my name and role may be mentioned in the city's communication about "
        "collaborations I took part in. I can withdraw this consent at any time."
    ),
}

# Needed to handle an offer at all: the form cannot be sent without it.
REQUIRED_PURPOSES = (Consent.Purpose.CONTACT,)


def consent_text(purpose: str) -> str:
    """The current wording for ``purpose`` in the active language."""
    text = str(CONSENT_TEXTS[Consent.Purpose(purpose)])
    # The city is data (settings), not part of the wording.
    return text % {"city": settings.CONTACTPOINT_CITY} if "%(city)s" in text else text
