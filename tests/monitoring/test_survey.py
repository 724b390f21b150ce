"""The annual survey without a worker: opening, batches, single-use links, reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from contactpoint.models import OutboxMessage
from monitoring import surveys
from monitoring.models import SurveyAnswer, SurveyCampaign, SurveyInvitation
from tests.monitoring.survey_support import LINK_RE, people, scheduled_campaign

pytestmark = pytest.mark.django_db


def links_by_recipient():
    return {message.to[0]: LINK_RE.search(message.body).group(1) for message in mail.outbox}


def invited_campaign():
    """This year's campaign, opened, with every invitation sent."""
    people()
    campaign = scheduled_campaign()
    surveys.open_due_campaigns()
    surveys.send_invitation_batch(campaign_id=campaign.pk)
    return campaign


def test_opening_invites_each_person_once_and_queues_batches():
    expected = people()
    campaign = scheduled_campaign()

    assert surveys.open_due_campaigns() == [campaign.pk]
    assert surveys.open_due_campaigns() == []  # a second run opens nothing
    invited = dict(SurveyInvitation.objects.values_list("email", "audience"))
    assert invited == {
        "manager@comune.example": "staff",
        "gabinetto@comune.example": "staff",
        "anna@impresa.example": "stakeholders",
    }
    assert set(expected["staff"]) | set(expected["stakeholders"]) == set(invited)
    assert OutboxMessage.objects.filter(task_name="monitoring.send_survey_invitations").count() == 1

    assert surveys.send_invitation_batch(campaign_id=campaign.pk, limit=2) == 2
    assert surveys.send_invitation_batch(campaign_id=campaign.pk, limit=2) == 1
    assert surveys.send_invitation_batch(campaign_id=campaign.pk, limit=2) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(invited)
    assert all(
        not invitation.token_hash.startswith(links_by_recipient()[invitation.email])
        for invitation in SurveyInvitation.objects.all()
    )


def test_a_campaign_not_yet_due_or_in_draft_stays_closed():
    today = timezone.localdate()
    scheduled_campaign(year=2030).__class__.objects.filter(year=2030).update(
        opens_on=today + timedelta(days=3)
    )
    draft = scheduled_campaign(year=2031)
    SurveyCampaign.objects.filter(pk=draft.pk).update(status=SurveyCampaign.Status.DRAFT)
    assert surveys.open_due_campaigns() == []


def test_the_link_works_once_and_cannot_be_guessed(client):
    campaign = invited_campaign()
    token = links_by_recipient()["anna@impresa.example"]

    page = client.get(f"/survey/{token}/")
    assert page.status_code == 200
    assert "Quali risorse potete offrire?" in page.content.decode()
    staff_token = links_by_recipient()["manager@comune.example"]
    assert "Quali risorse" not in client.get(f"/survey/{staff_token}/").content.decode()

    fields = {f"q{q.pk}": q for q in campaign.questions.all()}
    scale, topics, choice = (name for name in sorted(fields, key=lambda n: fields[n].order))
    refused = client.post(f"/survey/{token}/", {scale: "9", choice: "Azioni"})
    assert refused.status_code == 400
    assert set(refused.context["form"].errors) == {scale, choice}
    assert not SurveyAnswer.objects.exists()

    done = client.post(
        f"/survey/{token}/", {scale: "4", topics: " Povertà digitale ", choice: "Tempo"}
    )
    assert done.status_code == 200
    assert SurveyAnswer.objects.count() == 3
    assert client.get(f"/survey/{token}/").status_code == 404
    again = client.post(f"/survey/{token}/", {scale: "5"})
    assert again.status_code == 404
    assert SurveyAnswer.objects.count() == 3
    guessed = token[:-2] + ("00" if not token.endswith("00") else "11")
    assert client.get(f"/survey/{guessed}/").status_code == 404
    assert client.get("/survey/x/").status_code == 404
    assert surveys.candidate_topics(year=campaign.year) == [
        {"topic": "povertà digitale", "count": 1}
    ]


def test_weekly_reminders_go_only_to_those_who_did_not_answer_and_never_twice(client):
    campaign = invited_campaign()
    token = links_by_recipient()["anna@impresa.example"]
    scale = f"q{campaign.questions.get(order=1).pk}"
    client.post(f"/survey/{token}/", {scale: "3"})
    mail.outbox.clear()
    now = timezone.now()

    assert surveys.send_reminders(now=now + timedelta(days=3)) == 0  # not a week yet
    assert surveys.send_reminders(now=now + timedelta(days=8)) == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "gabinetto@comune.example",
        "manager@comune.example",
    ]
    assert all(m.subject.startswith("Promemoria") for m in mail.outbox)
    assert surveys.send_reminders(now=now + timedelta(days=8)) == 0  # re-run: nothing
    assert surveys.send_reminders(now=now + timedelta(days=12)) == 0
    assert surveys.send_reminders(now=now + timedelta(days=16)) == 2  # the next week
    assert surveys.send_reminders(now=now + timedelta(days=50)) == 0  # closed by then


def test_the_legal_office_manages_campaigns_in_the_admin_and_the_cabinet_does_not(client):
    from contactpoint import roles
    from tests.factories import UserFactory
    from tests.matching.workflow_support import login

    scheduled_campaign()
    login(client, UserFactory(role=roles.LEGAL))
    assert client.get("/admin/monitoring/surveycampaign/").status_code == 200
    assert client.get("/admin/monitoring/surveycampaign/add/").status_code == 200
    login(client, UserFactory(role=roles.CABINET))
    assert client.get("/admin/monitoring/surveycampaign/").status_code == 403
