"""E-mails of the offer intake, written in the recipient's language (plain text + HTML)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from contactpoint import mail
from contactpoint.context_processors import absolute_url, portal_context

from .models import ErasureRequest, Offer, RetentionNotice


def _send(*, template: str, context: dict[str, Any], to: list[str], language: str) -> None:
    with translation.override(language):
        context = {
            **portal_context(),
            "LANGUAGE_CODE": language,
            **context,
        }
    mail.render_message(
        subject_template=f"stakeholders/email/{template}_subject.txt",
        text_template=f"stakeholders/email/{template}.txt",
        html_template=f"stakeholders/email/{template}.html",
        context=context,
        to=to,
        language=language,
    ).send()


def send_offer_confirmation(*, offer: Offer) -> None:
    """Thank the submitter and give them the private link to follow the offer."""
    tracking_url = absolute_url(reverse("offers:track", args=[offer.tracking_token]))
    _send(
        template="offer_confirmation",
        context={
            "offer": offer,
            "need": offer.need,
            "organisation": offer.organisation,
            "contact": offer.contact,
            "tracking_url": tracking_url,
            "my_area_url": absolute_url(reverse("offers:my_area")),
        },
        to=[offer.submitted_email],
        language=offer.language or settings.LANGUAGE_CODE,
    )


def send_erasure_request_notice(*, erasure: ErasureRequest) -> None:
    """Tell the contact point's team that someone asked for erasure."""
    try:
        admin_path = reverse("admin:stakeholders_erasurerequest_change", args=[erasure.pk])
    except NoReverseMatch:  # the admin for it is not registered (yet)
        admin_path = reverse("admin:index")
    admin_url = absolute_url(admin_path)
    _send(
        template="erasure_request_notice",
        context={"erasure": erasure, "admin_url": admin_url},
        to=[settings.CONTACTPOINT_CONTACT_EMAIL],
        language=settings.LANGUAGE_CODE,
    )


def send_retention_warning(*, notice: RetentionNotice, keep_token: str) -> None:
    """Warn an inactive contact that their data will be anonymised unless they keep them."""
    contact = notice.contact
    _send(
        template="retention_warning",
        context={
            "contact": contact,
            "organisation": contact.organisation,
            "anonymise_after": notice.anonymise_after,
            "months": settings.CONTACT_RETENTION_MONTHS,
            "keep_url": absolute_url(reverse("offers:retention_keep", args=[keep_token])),
            "privacy_url": absolute_url(reverse("privacy")),
        },
        to=[contact.email],
        language=contact.language or settings.LANGUAGE_CODE,
    )
