"""The monitoring part of a person's data export: survey invitations with their answers
and training attendances, found by the person's e-mail addresses."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from contactpoint import privacy

from .models import SurveyInvitation, TrainingAttendance


def _email_q(emails: tuple[str, ...]) -> Q:
    condition = Q(pk__in=[])
    for email in emails:
        condition |= Q(email__iexact=email)
    return condition


def surveys_export(person: privacy.Person) -> list[dict[str, Any]]:
    invitations = (
        SurveyInvitation.objects.filter(_email_q(person.emails))
        .select_related("campaign")
        .prefetch_related("answers__question")
        .order_by("campaign__year", "pk")
    )
    return [
        {
            "year": invitation.campaign.year,
            "email": invitation.email,
            "name": invitation.name,
            "invited_at": invitation.sent_at.isoformat() if invitation.sent_at else None,
            "responded_at": (
                invitation.responded_at.isoformat() if invitation.responded_at else None
            ),
            "answers": [
                {"question": answer.question.text, "answer": answer.value}
                for answer in invitation.answers.all()
            ],
        }
        for invitation in invitations
    ]


def training_export(person: privacy.Person) -> list[dict[str, Any]]:
    attendances = (
        TrainingAttendance.objects.filter(_email_q(person.emails))
        .select_related("session")
        .order_by("session__date", "pk")
    )
    return [
        {"session": a.session.title, "date": a.session.date.isoformat(), "name": a.name}
        for a in attendances
    ]


def install() -> None:
    privacy.register_export_section("survey_responses", surveys_export)
    privacy.register_export_section("training", training_export)
