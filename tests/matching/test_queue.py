"""The account managers' queues in the admin: my queue by default, the match page, actions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contactpoint.models import OutboxMessage
from matching import engine, routing
from matching.models import Absence, AccountManagerProfile, Match, Notification, Stage
from stakeholders.models import Interaction
from tests.factories import InterventionAreaFactory, NeedFactory, OrganisationFactory
from tests.fixtures.pages import assert_shows
from tests.matching.workflow_support import (
    login,
    make_manager,
    make_match,
    make_stakeholder,
    make_team_lead,
)

pytestmark = [pytest.mark.django_db, pytest.mark.accept_language("en")]

CHANGELIST = "/admin/matching/match/"


def change_url(match):
    return reverse("admin:matching_match_change", args=[match.pk])


def action_url(match, name):
    return reverse(f"admin:matching_match_{name}", args=[match.pk])


def listed(response) -> set[int]:
    return {m.pk for m in response.context["cl"].result_list}


def test_my_queue_is_the_default_and_holds_my_open_matches(client):
    me, colleague = make_manager(), make_manager()
    mine = make_match(manager=me, stage=Stage.CONTACTED)
    make_match(manager=me, stage=Stage.COMPLETED)
    make_match(manager=colleague)
    make_match(manager=None, stage=Stage.PROPOSED)
    login(client, me)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert listed(response) == {mine.pk}
    html = response.content.decode()
    assert "My queue" in html
    queues = [value for value, _label in response.context["cl"].filter_specs[0].lookup_choices]
    assert queues == ["mine", "all"]  # "unassigned" is the team leads' queue


def test_other_queues_all_and_unassigned_for_team_leads(client):
    lead, manager = make_team_lead(), make_manager()
    assigned = make_match(manager=manager)
    waiting = make_match(manager=None, stage=Stage.PROPOSED)
    closed_unassigned = make_match(manager=None, stage=Stage.EXPIRED)
    login(client, lead)

    assert listed(client.get(CHANGELIST, {"queue": "unassigned"})) == {waiting.pk}
    assert listed(client.get(CHANGELIST, {"queue": "all"})) == {
        assigned.pk,
        waiting.pk,
        closed_unassigned.pk,
    }


def test_my_queue_shows_closed_matches_when_a_stage_is_asked_for(client):
    me = make_manager()
    done = make_match(manager=me, stage=Stage.COMPLETED)
    login(client, me)

    assert listed(client.get(CHANGELIST, {"stage__exact": "completed"})) == {done.pk}


def test_queue_columns_say_score_stage_age_sla_manager_and_routing(client):
    me = make_manager(first_name="Laura", last_name="Conti")
    organisation = OrganisationFactory(legal_name="Fondazione Sodalitas")
    match = make_match(
        manager=me,
        organisation=organisation,
        need=NeedFactory(title="40 PC per la didattica"),
        score=0.8123,
        routing_reason={"rule": routing.RULE_AREA, "candidates": []},
    )
    Match.objects.filter(pk=match.pk).update(
        first_contact_due=timezone.localdate() - timedelta(days=1),
        created_at=timezone.now() - timedelta(days=3),
    )
    login(client, me)

    html = client.get(CHANGELIST).content.decode()

    assert_shows(
        html,
        "40 PC per la didattica",
        "Fondazione Sodalitas",
        "0.81",
        'class="cp-stage cp-stage--assigned">Assigned<',
        "3 days",
        'class="cp-sla cp-sla--late">Late<',
        "Laura Conti",
        "Area of expertise, least loaded",
    )


def test_late_matches_come_first(client):
    me = make_manager()
    today = timezone.localdate()
    on_time = make_match(manager=me, score=0.9)
    late = make_match(manager=me, score=0.1)
    Match.objects.filter(pk=on_time.pk).update(first_contact_due=today + timedelta(days=2))
    Match.objects.filter(pk=late.pk).update(first_contact_due=today - timedelta(days=1))
    login(client, me)

    results = list(client.get(CHANGELIST).context["cl"].result_list)

    assert [m.pk for m in results] == [late.pk, on_time.pk]


@pytest.mark.parametrize(
    ("sla", "due_offset", "expected"),
    [("late", -1, True), ("late", 1, False), ("due_today", 0, True), ("on_time", 3, True)],
)
def test_sla_filter(client, sla, due_offset, expected):
    me = make_manager()
    match = make_match(manager=me)
    Match.objects.filter(pk=match.pk).update(
        first_contact_due=timezone.localdate() + timedelta(days=due_offset)
    )
    login(client, me)

    assert (match.pk in listed(client.get(CHANGELIST, {"sla": sla}))) is expected


def test_search_by_organisation(client):
    me = make_manager()
    found = make_match(manager=me, organisation=OrganisationFactory(legal_name="Bracco SpA"))
    make_match(manager=me)
    login(client, me)

    assert listed(client.get(CHANGELIST, {"q": "bracco"})) == {found.pk}


def test_queue_query_count_does_not_grow_with_rows(client, django_assert_num_queries):
    me = make_manager()
    for _ in range(3):
        make_match(manager=me)
    login(client, me)
    client.get(CHANGELIST)  # warm the session and content types

    # session, user, TOTP check, user permissions, group permissions, role names,
    # area filter choices, manager filter choices, count of the queue, the page of matches.
    with django_assert_num_queries(10):
        assert client.get(CHANGELIST).status_code == 200
    for _ in range(12):
        make_match(manager=me)
    with django_assert_num_queries(10):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 15


def test_match_page_explains_the_score_the_routing_the_history_and_the_timeline(client):
    area = InterventionAreaFactory()
    me = make_manager(areas=[area], first_name="Laura", last_name="Conti")
    organisation = OrganisationFactory(legal_name="Fondazione Cariplo")
    earlier = make_match(
        manager=me,
        organisation=organisation,
        stage=Stage.COMPLETED,
        need=NeedFactory(title="Laboratori STEM"),
    )
    Interaction.objects.create(
        organisation=organisation, kind="meeting", subject="Incontro annuale", staff=me
    )
    candidate = engine.Candidate(
        offer_id=1,
        need_id=1,
        text_rank=0.6,
        title_similarity=0.3,
        offer_area_ids=frozenset({area.pk}),
        need_area_id=area.pk,
        need_neighbourhood_id=None,
        need_municipio_ids=frozenset(),
        offer_quantity_open=10,
        need_quantity_open=10,
        need_priority=2,
        need_reviewed_at=timezone.now(),
    )
    ctx = engine.Context(today=date.today(), now=timezone.now(), stale_after_days=60)
    match = make_match(
        manager=None,
        stage=Stage.PROPOSED,
        organisation=organisation,
        need=NeedFactory(area=area),
        score_parts=engine.score(candidate, ctx).as_json(),
    )
    routing.route_match(match=match)
    login(client, me)

    response = client.get(change_url(match))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Why this match" in html
    for label, _value, _contribution in engine.explain(match.score_parts):
        assert str(label) in html
    assert "Laura Conti" in html and "had the lightest load" in html
    assert "Fondazione Cariplo" in html
    assert "Incontro annuale" in html
    assert change_url(earlier) in html
    assert "Timeline" in html and "Proposed → Assigned" in html
    assert f'action="{action_url(match, "transition")}"' in html
    assert 'data-action="advance" data-to-stage="contacted"' in html
    assert action_url(match, "contact") in html


def test_another_manager_reads_the_match_without_actions(client):
    match = make_match(manager=make_manager())
    other = make_manager()
    login(client, other)

    html = client.get(change_url(match)).content.decode()

    assert "Only the assigned account manager or a team lead can act" in html
    assert action_url(match, "transition") not in html


def test_advancing_from_the_match_page(client):
    me = make_manager()
    match = make_match(manager=me)
    login(client, me)

    response = client.post(action_url(match, "transition"), {"to_stage": "contacted"})

    assert response.status_code == 302
    assert response["Location"] == change_url(match)
    match.refresh_from_db()
    assert match.stage == Stage.CONTACTED


def test_declining_with_a_note(client):
    me = make_manager()
    match = make_match(manager=me)
    login(client, me)

    client.post(
        action_url(match, "transition"), {"to_stage": "declined_city", "note": "Fuori tema"}
    )

    match.refresh_from_db()
    assert match.stage == Stage.DECLINED_BY_CITY
    assert match.events.get(kind="stage").note == "Fuori tema"


@pytest.mark.parametrize(
    "data",
    [{"to_stage": "teleported"}, {"to_stage": "completed"}, {}, {"to_stage": "assigned"}],
)
def test_bad_transition_input_is_a_form_error_and_changes_nothing(client, data):
    me = make_manager()
    match = make_match(manager=me)
    login(client, me)

    response = client.post(action_url(match, "transition"), data)

    assert response.status_code == 400
    assert response.context["form"].errors["to_stage"]
    html = response.content.decode()
    assert 'role="alert"' in html and 'aria-invalid="true"' in html
    match.refresh_from_db()
    assert match.stage == Stage.ASSIGNED
    assert not match.events.exists()


def test_team_lead_reassigns_from_the_match_page(client):
    lead, old, new = make_team_lead(), make_manager(), make_manager()
    match = make_match(manager=old)
    login(client, lead)

    response = client.post(action_url(match, "reassign"), {"manager": new.pk, "note": "Ferie"})

    assert response.status_code == 302
    match.refresh_from_db()
    assert match.manager == new


def test_reassigning_to_a_non_manager_is_a_form_error(client):
    lead = make_team_lead()
    match = make_match(manager=make_manager())
    stakeholder = make_stakeholder(match.offer.organisation)
    login(client, lead)

    response = client.post(action_url(match, "reassign"), {"manager": stakeholder.pk})

    assert response.status_code == 400
    assert response.context["form"].errors["manager"]
    match.refresh_from_db()
    assert match.manager != stakeholder


def test_manager_hands_over_with_a_note(client):
    me, colleague = make_manager(), make_manager()
    match = make_match(manager=me)
    login(client, me)

    missing_note = client.post(action_url(match, "hand_over"), {"manager": colleague.pk})
    assert missing_note.status_code == 400
    response = client.post(
        action_url(match, "hand_over"), {"manager": colleague.pk, "note": "Segue già Bracco"}
    )

    assert response.status_code == 302
    match.refresh_from_db()
    assert match.manager == colleague


def test_split_quantity_and_refuse_more_than_is_open(client):
    me = make_manager()
    match = make_match(manager=me, quantity=10)
    login(client, me)

    too_much = client.post(action_url(match, "split"), {"quantity": 11})
    assert too_much.status_code == 400
    assert too_much.context["form"].errors["quantity"]
    match.refresh_from_db()
    assert match.quantity == 10

    assert client.post(action_url(match, "split"), {"quantity": 4}).status_code == 302
    match.refresh_from_db()
    assert match.quantity == 4


def test_contact_drafts_in_the_stakeholders_language_previews_then_sends(client):
    me = make_manager()
    match = make_match(manager=me)
    match.offer.contact.language = "en"
    match.offer.contact.save()
    login(client, me)

    draft = client.get(action_url(match, "contact"))
    assert draft.status_code == 200
    subject = draft.context["form"].initial["subject"]
    body = draft.context["form"].initial["body"]
    assert subject.startswith("Your offer")

    preview = client.post(
        action_url(match, "contact"), {"subject": subject, "body": body, "action": "preview"}
    )
    assert preview.status_code == 200
    assert 'data-action="send"' in preview.content.decode()
    match.refresh_from_db()
    assert match.stage == Stage.ASSIGNED

    sent = client.post(
        action_url(match, "contact"), {"subject": subject, "body": body, "action": "send"}
    )
    assert sent.status_code == 302
    match.refresh_from_db()
    assert match.stage == Stage.CONTACTED
    assert match.events.filter(kind="contact_email").exists()
    assert OutboxMessage.objects.filter(task_name="matching.send_contact_email").exists()


def test_contact_with_an_empty_body_is_a_form_error(client):
    me = make_manager()
    match = make_match(manager=me)
    login(client, me)

    response = client.post(
        action_url(match, "contact"), {"subject": "Ciao", "body": "", "action": "send"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["body"]
    assert not match.events.exists()


def test_team_lead_sets_capacity_areas_and_absences(client):
    lead = make_team_lead()
    manager = make_manager(capacity=20)
    area = InterventionAreaFactory()
    profile = manager.manager_profile
    login(client, lead)
    url = reverse("admin:matching_accountmanagerprofile_change", args=[profile.pk])
    today = timezone.localdate()

    response = client.post(
        url,
        {
            "user": manager.pk,
            "areas": [area.pk],
            "capacity": 5,
            "available": "on",
            "language": "it",
            "absences-TOTAL_FORMS": 1,
            "absences-INITIAL_FORMS": 0,
            "absences-MIN_NUM_FORMS": 0,
            "absences-MAX_NUM_FORMS": 1000,
            "absences-0-start": today.isoformat(),
            "absences-0-end": (today + timedelta(days=5)).isoformat(),
            "absences-0-note": "Ferie",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert profile.capacity == 5
    assert list(profile.areas.all()) == [area]
    assert Absence.objects.get(profile=profile).note == "Ferie"


def test_managers_read_profiles_but_do_not_change_them(client):
    manager = make_manager()
    profile = make_manager().manager_profile
    login(client, manager)
    url = reverse("admin:matching_accountmanagerprofile_change", args=[profile.pk])

    assert client.get(reverse("admin:matching_accountmanagerprofile_changelist")).status_code == 200
    assert client.post(url, {"capacity": 99}).status_code == 403
    assert AccountManagerProfile.objects.get(pk=profile.pk).capacity == 20


def test_notifications_are_read_only_and_each_manager_sees_their_own(client):
    manager, other, lead = make_manager(), make_manager(), make_team_lead()
    mine = Notification.objects.create(recipient=manager, kind="assigned", dedup_key="a")
    theirs = Notification.objects.create(recipient=other, kind="assigned", dedup_key="b")
    url = reverse("admin:matching_notification_changelist")

    login(client, manager)
    assert listed(client.get(url)) == {mine.pk}
    login(client, lead)
    assert listed(client.get(url)) == {mine.pk, theirs.pk}
    assert client.get(reverse("admin:matching_notification_add")).status_code == 403


def test_holidays_are_listed_for_managers(client):
    from matching import sla

    sla.load_holidays(years=[2026], subdiv="MI")
    login(client, make_manager())

    response = client.get(reverse("admin:matching_holiday_changelist"), {"q": "Ambrogio"})

    assert response.status_code == 200
    assert "Sant&#x27;Ambrogio" in response.content.decode()


def test_outreach_suggestions_are_listed_read_only_for_managers(client):
    from matching.models import OutreachSuggestion

    suggestion = OutreachSuggestion.objects.create(
        need=NeedFactory(title="Orti nei cortili"),
        organisation=OrganisationFactory(legal_name="Retake Milano"),
        score=0.42,
    )
    login(client, make_manager())
    url = reverse("admin:matching_outreachsuggestion_changelist")

    response = client.get(url)

    assert response.status_code == 200
    assert listed(response) == {suggestion.pk}
    assert "Retake Milano" in response.content.decode()
    assert client.get(reverse("admin:matching_outreachsuggestion_add")).status_code == 403
