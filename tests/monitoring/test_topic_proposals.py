"""Survey topics proposed to the focus group become draft needs of the chosen department."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.utils import timezone

from contactpoint import roles
from contactpoint.models import AuditEntry
from monitoring.models import Audience, SurveyAnswer, SurveyInvitation
from needs.models import Need
from tests.factories import DepartmentFactory, InterventionAreaFactory, UserFactory
from tests.matching.workflow_support import login
from tests.monitoring.survey_support import scheduled_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    campaign = scheduled_campaign()
    question = campaign.questions.get(proposes_topics=True)
    for n, value in enumerate(("Verde nei cortili", " verde nei cortili")):
        invitation = SurveyInvitation.objects.create(
            campaign=campaign,
            audience=Audience.STAKEHOLDERS,
            email=f"r{n}@example.org",
            responded_at=timezone.now(),
        )
        SurveyAnswer.objects.create(invitation=invitation, question=question, value=value)
    return "verde nei cortili"


@pytest.fixture
def department_user(client):
    user = UserFactory(role=roles.DEPARTMENT)
    department = DepartmentFactory()
    department.members.add(user)
    login(client, user)
    return user, department


def test_a_department_member_turns_a_topic_into_a_draft_need_audited(
    client, topic, department_user
):
    user, department = department_user
    area = InterventionAreaFactory()
    year = timezone.localdate().year
    dashboard = client.get("/dashboard/").content.decode()
    assert f"/dashboard/topics/propose/?topic={quote(topic)}" in dashboard

    form = client.get(f"/dashboard/topics/propose/?topic={quote(topic)}&year={year}")
    assert form.status_code == 200 and topic in form.content.decode()

    response = client.post(
        "/dashboard/topics/propose/",
        {
            "topic": topic,
            "year": year,
            "department": department.pk,
            "area": area.pk,
            "resource_kind": "volunteering",
        },
    )
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/needs/{need.pk}/edit/"
    assert need.status == Need.Status.DRAFT
    assert (need.title, need.department, need.area) == ("Verde nei cortili", department, area)
    assert need.created_by == user
    assert AuditEntry.objects.filter(
        action="monitoring.survey.topic_proposed", object_id=str(need.pk)
    ).exists()
    assert AuditEntry.objects.filter(action="needs.need.created").exists()


def test_unknown_topic_and_foreign_department_get_field_messages_and_no_need(
    client, topic, department_user
):
    _user, department = department_user
    area = InterventionAreaFactory()
    year = timezone.localdate().year
    data = {"year": year, "area": area.pk, "resource_kind": "goods"}
    unknown = client.post(
        "/dashboard/topics/propose/", {**data, "topic": "mai nominato", "department": department.pk}
    )
    assert unknown.status_code == 400
    assert "non è stato indicato" in unknown.content.decode()
    foreign = client.post(
        "/dashboard/topics/propose/",
        {**data, "topic": topic, "department": DepartmentFactory().pk},
    )
    assert foreign.status_code == 400
    assert not Need.objects.exists()


def test_readers_without_a_department_cannot_propose(client, topic):
    login(client, UserFactory(role=roles.CABINET))
    assert "/dashboard/topics/propose/" not in client.get("/dashboard/").content.decode()
    assert client.get("/dashboard/topics/propose/").status_code == 403
