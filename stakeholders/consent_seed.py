"""The consent wording the portal starts with: version 2026-11 of each purpose.

Frozen: a new wording is a new ``ConsentText`` version (admin), never an edit here. Stored
by migration 0010 and again after a flush (``ensure_consent_texts``), when missing.
"""

from __future__ import annotations

import datetime
from typing import Any

VERSION = "2026-11"
EFFECTIVE_FROM = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)

TEXTS = {
    "contact": (
        "Acconsento a che il punto di contatto di %(city)s usi il mio nome, il mio indirizzo "
        "e-mail e il mio numero di telefono per contattarmi in merito a questa offerta e alle "
        "collaborazioni con la città. Posso revocare il consenso in qualsiasi momento.",
        "I agree that the contact point of %(city)s may use my name, e-mail address and phone "
        "number to contact me about this offer and about collaborations with the city. I can "
        "withdraw this consent at any time.",
    ),
    "survey": (
        "Acconsento a ricevere, una volta l'anno, il questionario del punto di contatto sullo "
        "stato delle collaborazioni, sui fabbisogni e sulle risorse. Posso revocare il consenso "
        "in qualsiasi momento.",
        "I agree to receive, once a year, the contact point's survey on the state of "
        "collaborations, needs and resources. I can withdraw this consent at any time.",
    ),
    "news": (
        "Acconsento a ricevere notizie dal punto di contatto su nuovi fabbisogni ed eventi, al "
        "massimo una volta al mese. Posso revocare il consenso in qualsiasi momento.",
        "I agree to receive news from the contact point about new needs and events, at most "
        "once a month. I can withdraw this consent at any time.",
    ),
    "publicity": (
        "Acconsento a che il mio nome e il mio ruolo siano citati nella comunicazione del Comune "
        "sulle collaborazioni a cui ho partecipato. Posso revocare il consenso in qualsiasi "
        "momento.",
        "I agree that my name and role may be mentioned in the city's communication about "
        "collaborations I took part in. I can withdraw this consent at any time.",
    ),
}


def ensure_consent_texts(consent_text_model: Any, consent_model: Any = None) -> None:
    """Store the seeded versions that are missing; link consents given on them."""
    for purpose, (text_it, text_en) in TEXTS.items():
        text, _created = consent_text_model.objects.get_or_create(
            purpose=purpose,
            version=VERSION,
            defaults={"text_it": text_it, "text_en": text_en, "effective_from": EFFECTIVE_FROM},
        )
        if consent_model is not None:
            consent_model.objects.filter(purpose=purpose, text_version=VERSION, text=None).update(
                text=text
            )
