"""The organisation's editable fields, listed once: the registry's services, the admin's form,
the API's serializer and the organisation's own form on ``/my/`` derive their lists from here
(in the order the forms show them)."""

from __future__ import annotations

# Everything staff may edit, plain fields and relations, in form order.
STAFF_FIELDS = (
    "kind",
    "legal_name",
    "tax_code",
    "vat_number",
    "website",
    "email_domain",
    "email_domain_verified",
    "size",
    "sector",
    "description",
    "interests",
    "preferred_municipi",
    "preferred_neighbourhoods",
    "allow_logo_use",
    "allow_press",
    "allow_social",
    "relationship_owner",
    "member_of",
    "local_group",
    "focus_group",
)
# Many-to-many relations among them (set after the organisation is saved).
EDITABLE_RELATIONS = ("interests", "preferred_municipi", "preferred_neighbourhoods", "member_of")
# Plain fields staff may change (codes are validated, the rest is data).
EDITABLE_FIELDS = tuple(name for name in STAFF_FIELDS if name not in EDITABLE_RELATIONS)
# What the API shows of them (whether staff checked the domain stays internal).
API_FIELDS = tuple(name for name in STAFF_FIELDS if name != "email_domain_verified")
# What a member edits for their own organisation: its profile, not its identity or status.
IDENTITY_AND_STATUS = frozenset(
    {
        "kind",
        "legal_name",
        "tax_code",
        "vat_number",
        "email_domain",
        "email_domain_verified",
        "relationship_owner",
        "member_of",
        "local_group",
        "focus_group",
    }
)
SELF_SERVICE_FIELDS = tuple(name for name in STAFF_FIELDS if name not in IDENTITY_AND_STATUS)
