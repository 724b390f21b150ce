"""The e-mails of the match workflow, rendered in the recipient's language.

Templates live in ``templates/matching/emails/<name>.txt`` with two partials, ``subject``
and ``body`` (plain text, autoescape off). Staff read Italian unless their account manager
profile says otherwise; stakeholders read the language of their contact person (or of the
offer, when the offer has no contact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from contactpoint.context_processors import absolute_url, portal_context

from . import attention


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: str


def admin_match_url(match: Any) -> str:
    return absolute_url(reverse("admin:matching_match_change", args=[match.pk]))


def _language(code: str | None) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


def staff_language(user: Any) -> str:
    # No profile (a team lead who takes no matches): the portal's default language.
    profile = getattr(user, "manager_profile", None) if user is not None else None
    return _language(profile.language if profile is not None else None)


def stakeholder_recipient(offer: Any) -> Recipient | None:
    """Who to write to about an offer: its contact person, else whoever submitted it."""
    contact = offer.contact
    if contact is not None and contact.email:
        return Recipient(
            email=contact.email,
            name=f"{contact.first_name} {contact.last_name}".strip(),
            language=_language(contact.language),
        )
    if offer.submitted_email:
        return Recipient(email=offer.submitted_email, name="", language=_language(offer.language))
    return None


def render(name: str, context: dict[str, Any], *, language: str) -> tuple[str, str]:
    """Render ``matching/emails/<name>.txt`` in ``language``: (subject, body)."""
    with translation.override(language):
        context = {
            **context,
            **portal_context(),
        }
        subject = render_to_string(f"matching/emails/{name}.txt#subject", context)
        body = render_to_string(f"matching/emails/{name}.txt#body", context)
    return " ".join(subject.split()), body.strip() + "\n"


def notification_message(notification: Any, *, language: str) -> tuple[str, str]:
    match = notification.match
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "match": match,
        "match_url": admin_match_url(match) if match is not None else absolute_url("/admin/"),
        "queue_url": absolute_url(reverse("admin:matching_match_changelist")),
    }
    return render(f"notification_{notification.kind}", context, language=language)


def digest_message(
    *, user: Any, items: list, late: list, unassigned: list, today: date, language: str
) -> tuple[str, str]:
    def with_url(match: Any) -> dict[str, Any]:
        return {"match": match, "url": admin_match_url(match)}

    followed = ("match_ended", "decision_needed")
    new = [with_url(n.match) for n in items if n.kind == "assigned" and n.match is not None]
    events = [
        {"notification": n, **with_url(n.match)}
        for n in items
        if n.kind != "assigned" and n.kind not in followed and n.match is not None
    ]
    # Matches that ended with their offer or need, and those waiting for a decision: each
    # once, with the reason read from the offer and the need.
    ended, decisions = [], []
    for n in items:
        if n.kind not in followed or n.match is None:
            continue
        reason = attention.subject_reason(
            offer_status=n.match.offer.status, need_status=n.match.need.status
        )
        row = {**with_url(n.match), "reason": attention.ENDED_NOTES[reason] if reason else ""}
        if n.kind == "decision_needed":
            row["reason"] = attention.FLAG_LABELS[reason] if reason else ""
            decisions.append(row)
        else:
            ended.append(row)
    context = {
        "recipient": user,
        "today": today,
        "new": new,
        "events": events,
        "ended": ended,
        "decisions": decisions,
        "late": [with_url(match) for match in late],
        "unassigned": [with_url(match) for match in unassigned],
        "queue_url": absolute_url(reverse("admin:matching_match_changelist")),
    }
    return render("digest", context, language=language)


def contact_draft(*, match: Any, sender: Any, recipient: Recipient) -> tuple[str, str]:
    """The proposed first e-mail to the stakeholder, in their language (editable before sending)."""
    context = {
        "match": match,
        "offer": match.offer,
        "need": match.need,
        "sender": sender,
        "recipient": recipient,
        "my_url": absolute_url("/my/matches/"),
    }
    return render("contact_stakeholder", context, language=recipient.language)
