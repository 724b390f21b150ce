"""Where the offer intake plugs into the rest of the portal; ``install()`` runs in ready().

- allauth has no service hook for "this address is now verified", so its ``email_confirmed``
  signal is the integration point: the receiver only calls ``attach_offers_to_user``.
- The staff who handle erasure requests in the admin get the permissions for them.
- The privacy notice shows the consent texts in force and the ones the reader agreed to.
"""

from __future__ import annotations

from typing import Any

_installed = False


def attach_offers_on_email_confirmed(
    sender: Any, request: Any, email_address: Any, **kwargs: Any
) -> None:
    from .offer_accounts import attach_offers_to_user

    attach_offers_to_user(user=email_address.user, email=email_address.email)


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True

    from allauth.account.signals import email_confirmed

    from contactpoint import privacy as privacy_registry
    from contactpoint import roles

    from .privacy import privacy_page_context

    privacy_registry.register_page_context(privacy_page_context)

    email_confirmed.connect(
        attach_offers_on_email_confirmed, dispatch_uid="stakeholders.attach_offers_on_verify"
    )
    erasure = ("stakeholders.view_erasurerequest", "stakeholders.change_erasurerequest")
    roles.grant(roles.ACCOUNT_MANAGER, "stakeholders.view_erasurerequest")
    # Anonymising a person cannot be undone: team leads only (and superusers).
    roles.grant(roles.TEAM_LEAD, *erasure, "stakeholders.add_personerasure")
