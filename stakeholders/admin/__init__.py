"""The stakeholder registry in the admin: where account managers spend their day.

Changelists are annotated (open offers, possible duplicates) instead of counting per row,
so their query count does not grow with the page. Organisations, contact persons, offers
and interactions are written by the same services as the public form, ``/my/`` and the API
(``registry``, ``contacts``, ``offers``), which write the audit trail; so are merges,
dismissals, withdrawals and imports. Offers' status and quantities are read-only here.
User accounts and network members (inlines) are still saved and audited by the admin.

One module a seam: ``organisations``, ``people`` (contacts, consents, interactions,
memberships), ``offers``, ``duplicates`` and ``merges``, ``spreadsheets`` (import and
export on a changelist) and ``import_jobs``, ``intake`` (erasure requests), ``privacy``
(consent texts, anonymisation, personal-data downloads); ``common``
holds what they share. Importing them here registers them with the admin site.
"""

from __future__ import annotations

from .duplicates import DuplicateFlagAdmin
from .import_jobs import ImportJobAdmin
from .intake import ErasureRequestAdmin
from .merges import OrganisationMergeAdmin
from .offers import OfferAdmin
from .organisations import OrganisationAdmin
from .people import ConsentAdmin, ContactPersonAdmin, InteractionAdmin, OrganisationMembershipAdmin
from .privacy import ConsentTextAdmin, PersonErasureAdmin, RetentionNoticeAdmin

__all__ = [
    "ConsentAdmin",
    "ConsentTextAdmin",
    "ContactPersonAdmin",
    "DuplicateFlagAdmin",
    "ErasureRequestAdmin",
    "ImportJobAdmin",
    "InteractionAdmin",
    "OfferAdmin",
    "OrganisationAdmin",
    "OrganisationMembershipAdmin",
    "OrganisationMergeAdmin",
    "PersonErasureAdmin",
    "RetentionNoticeAdmin",
]
