"""The private side of the market: organisations, their people, consent, history and offers."""

from __future__ import annotations

from .offers import Offer, OfferQuerySet, new_tracking_token
from .organisations import (
    Consent,
    ContactPerson,
    DuplicateFlag,
    Interaction,
    Organisation,
    OrganisationMembership,
    OrganisationMerge,
    OrganisationQuerySet,
)
from .privacy import ConsentText, PersonErasure, RetentionNotice
from .records import ErasureRequest, ImportJob

__all__ = [
    "Consent",
    "ConsentText",
    "ContactPerson",
    "DuplicateFlag",
    "ErasureRequest",
    "ImportJob",
    "Interaction",
    "Offer",
    "OfferQuerySet",
    "Organisation",
    "OrganisationMembership",
    "OrganisationMerge",
    "OrganisationQuerySet",
    "PersonErasure",
    "RetentionNotice",
    "new_tracking_token",
]
