"""E-mail for every app: a message rendered from templates in the recipient's language, sent
on Django's connection. Failures raise, so the task that sends decides about retries and
writes its side effects only after the send succeeded."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core import mail
from django.template.loader import render_to_string
from django.utils import translation


def render_message(
    *,
    subject_template: str,
    text_template: str,
    context: dict[str, Any],
    to: list[str],
    language: str,
    html_template: str = "",
) -> mail.EmailMultiAlternatives:
    """Subject (on one line), plain text and, when a template is given, an HTML alternative."""
    with translation.override(language):
        subject = render_to_string(subject_template, context)
        text = render_to_string(text_template, context)
        html = render_to_string(html_template, context) if html_template else ""
    message = mail.EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    return message


def send_messages(messages: Iterable[mail.EmailMessage]) -> None:
    """Send on one connection (opened and closed here)."""
    with mail.get_connection() as connection:
        connection.send_messages(list(messages))


def send_text(
    *, to: list[str], subject: str, body: str, language: str, reply_to: list[str] | None = None
) -> None:
    """A plain-text message already written in ``language`` (which its header names)."""
    message = mail.EmailMessage(
        subject=" ".join(subject.split()), body=body, to=to, reply_to=reply_to
    )
    message.extra_headers["Content-Language"] = language
    message.send()
