"""The match lifecycle: one table of allowed moves, who may make them, and what each records."""

from __future__ import annotations

import pytest
from django.core import mail

from contactpoint.audit import history_for
from contactpoint.models import OutboxMessage
from matching import lifecycle, notifications, offer_status
from matching.lifecycle import EXITS, TRANSITIONS, MatchError, NotPermitted, TransitionNotAllowed
from matching.models import Match, MatchEvent, Notification, Stage
from stakeholders.models import Offer
from tests.factories import ContactPersonFactory, OrganisationFactory, UserFactory
from tests.matching.workflow_support import (
    make_department_user,
    make_manager,
    make_match,
    make_stakeholder,
    make_team_lead,
    with_impact_evaluation,
)

pytestmark = pytest.mark.django_db

ALLOWED = [(source, target) for source, targets in TRANSITIONS.items() for target in targets]
REFUSED = [
    (source, target)
    for source in Stage.values
    for target in Stage.values
    if target not in TRANSITIONS[source]
]


def test_the_table_covers_every_stage_and_the_happy_path_is_linear():
    assert set(TRANSITIONS) == set(Stage.values)
    path = [Stage.PROPOSED]
    while path[-1] in lifecycle.NEXT_STAGE:
        path.append(lifecycle.NEXT_STAGE[path[-1]])
    assert path == [
        "proposed",
        "assigned",
        "contacted",
        "negotiating",
        "agreed",
        "in_delivery",
        "completed",
    ]
    for stage in lifecycle.OPEN_STAGES:
        assert set(EXITS) <= set(TRANSITIONS[stage])


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_allowed_transition_moves_the_match_and_records_timeline_and_audit(source, target):
    manager = make_manager()
    match = make_match(manager=manager, stage=source)
    if target == Stage.COMPLETED:
        with_impact_evaluation(match)

    lifecycle.transition(match=match, to_stage=target, actor=manager, note="Telefonata")

    match.refresh_from_db()
    assert match.stage == target
    event = match.events.get(kind="stage")
    assert (event.from_stage, event.to_stage, event.actor, event.note) == (
        source,
        target,
        manager,
        "Telefonata",
    )
    assert event.visible_to_stakeholder is True
    entry = history_for(match).get(action=f"matching.match.{target}")
    assert entry.actor == manager
    assert entry.payload["from"] == source


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_refused_transition_changes_nothing(source, target):
    manager = make_manager()
    match = make_match(manager=manager, stage=source)

    with pytest.raises(TransitionNotAllowed) as refused:
        lifecycle.transition(match=match, to_stage=target, actor=manager)

    assert refused.value.field == "to_stage"
    match.refresh_from_db()
    assert match.stage == source
    assert not MatchEvent.objects.filter(match=match).exists()
    assert not history_for(match).exists()


def test_unknown_stage_is_refused_with_a_message_naming_it():
    manager = make_manager()
    match = make_match(manager=manager)

    with pytest.raises(TransitionNotAllowed, match="teleported"):
        lifecycle.transition(match=match, to_stage="teleported", actor=manager)


def test_proposed_match_without_manager_cannot_be_moved_to_assigned():
    lead = make_team_lead()
    match = make_match(manager=None, stage=Stage.PROPOSED)

    with pytest.raises(TransitionNotAllowed):
        lifecycle.transition(match=match, to_stage=Stage.ASSIGNED, actor=lead)
    assert lifecycle.targets_for(lead, match) == list(EXITS)


def _actor(kind: str, match: Match):
    if kind == "assigned manager":
        return match.manager
    if kind == "other manager":
        return make_manager()
    if kind == "team lead":
        return make_team_lead()
    if kind == "superuser":
        return UserFactory(is_superuser=True, is_staff=True)
    if kind == "stakeholder of the organisation":
        return make_stakeholder(match.offer.organisation)
    if kind == "stakeholder of another organisation":
        return make_stakeholder(OrganisationFactory())
    if kind == "department user":
        return make_department_user(match.need.department)
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("who", "target", "allowed"),
    [
        ("assigned manager", Stage.CONTACTED, True),
        ("assigned manager", Stage.DECLINED_BY_CITY, True),
        ("other manager", Stage.CONTACTED, False),
        ("other manager", Stage.DECLINED_BY_CITY, False),
        ("team lead", Stage.CONTACTED, True),
        ("superuser", Stage.DECLINED_BY_CITY, True),
        ("stakeholder of the organisation", Stage.DECLINED_BY_STAKEHOLDER, True),
        ("stakeholder of the organisation", Stage.WITHDRAWN, True),
        ("stakeholder of the organisation", Stage.CONTACTED, False),
        ("stakeholder of the organisation", Stage.DECLINED_BY_CITY, False),
        ("stakeholder of another organisation", Stage.WITHDRAWN, False),
        ("department user", Stage.DECLINED_BY_CITY, False),
    ],
)
def test_who_may_move_a_match(who, target, allowed):
    match = make_match(manager=make_manager(), stage=Stage.ASSIGNED)
    actor = _actor(who, match)

    if allowed:
        lifecycle.transition(match=match, to_stage=target, actor=actor)
        match.refresh_from_db()
        assert match.stage == target
    else:
        with pytest.raises(NotPermitted):
            lifecycle.transition(match=match, to_stage=target, actor=actor)
        match.refresh_from_db()
        assert match.stage == Stage.ASSIGNED
        assert not match.events.exists()


def test_entering_contacted_records_when():
    manager = make_manager()
    match = make_match(manager=manager, stage=Stage.ASSIGNED)

    lifecycle.transition(match=match, to_stage=Stage.CONTACTED, actor=manager)

    match.refresh_from_db()
    assert match.contacted_at is not None


def test_agreeing_takes_the_quantity_and_an_exit_gives_it_back():
    manager = make_manager()
    match = make_match(manager=manager, stage=Stage.NEGOTIATING, quantity=4)
    need, offer = match.need, match.offer

    def move_to(stage):
        lifecycle.transition(match=match, to_stage=stage, actor=manager)
        for row in (match, need, offer):
            row.refresh_from_db()

    move_to(Stage.AGREED)
    assert match.allocated is True
    assert (need.quantity_open, offer.quantity_open) == (6, 6)

    move_to(Stage.WITHDRAWN)
    assert match.allocated is False
    assert (need.quantity_open, offer.quantity_open) == (10, 10)


def test_agreeing_more_than_the_need_has_open_is_refused_and_changes_nothing():
    manager = make_manager()
    match = make_match(manager=manager, stage=Stage.NEGOTIATING, quantity=4)
    match.need.quantity_open = 2
    match.need.save()

    with pytest.raises(MatchError):
        lifecycle.transition(match=match, to_stage=Stage.AGREED, actor=manager)

    match.refresh_from_db()
    assert match.stage == Stage.NEGOTIATING
    assert match.allocated is False
    assert not match.events.exists()


@pytest.mark.parametrize(
    ("stages", "current", "expected"),
    [
        (set(), Offer.Status.SUBMITTED, Offer.Status.SUBMITTED),
        ({Stage.PROPOSED}, Offer.Status.SUBMITTED, Offer.Status.MATCHED),
        ({Stage.ASSIGNED, Stage.DECLINED_BY_CITY}, Offer.Status.IN_REVIEW, Offer.Status.MATCHED),
        ({Stage.AGREED, Stage.PROPOSED}, Offer.Status.MATCHED, Offer.Status.IN_PROGRESS),
        ({Stage.IN_DELIVERY}, Offer.Status.MATCHED, Offer.Status.IN_PROGRESS),
        ({Stage.COMPLETED, Stage.EXPIRED}, Offer.Status.IN_PROGRESS, Offer.Status.COMPLETED),
        ({Stage.DECLINED_BY_CITY}, Offer.Status.MATCHED, Offer.Status.IN_REVIEW),
        ({Stage.AGREED}, Offer.Status.WITHDRAWN, Offer.Status.WITHDRAWN),
    ],
)
def test_offer_status_follows_its_matches(stages, current, expected):
    assert offer_status.offer_status_for(stages=stages, current=current) == expected


def test_completing_the_match_completes_the_offer_and_audits_it():
    manager = make_manager()
    match = with_impact_evaluation(make_match(manager=manager, stage=Stage.IN_DELIVERY))

    lifecycle.transition(match=match, to_stage=Stage.COMPLETED, actor=manager)

    match.offer.refresh_from_db()
    assert match.offer.status == Offer.Status.COMPLETED
    assert history_for(match.offer).filter(action="stakeholders.offer.status_changed").exists()


def test_stakeholder_declining_tells_the_manager_in_the_digest_not_at_once():
    manager = make_manager()
    match = make_match(manager=manager, stage=Stage.CONTACTED)
    stakeholder = make_stakeholder(match.offer.organisation)

    lifecycle.transition(match=match, to_stage=Stage.DECLINED_BY_STAKEHOLDER, actor=stakeholder)

    notification = Notification.objects.get(recipient=manager)
    assert notification.kind == notifications.Kind.STAGE_CHANGED
    assert not OutboxMessage.objects.filter(task_name="matching.send_notification").exists()


def test_team_lead_reassigns_and_both_managers_hear_of_it():
    old, new, lead = make_manager(), make_manager(), make_team_lead()
    match = make_match(manager=old, stage=Stage.CONTACTED)

    lifecycle.reassign(match=match, manager=new, actor=lead, note="Ferie")

    match.refresh_from_db()
    assert match.manager == new
    assert match.stage == Stage.CONTACTED
    assert match.routing_reason["rule"] == "reassigned"
    assert match.events.get(kind="reassigned").note == "Ferie"
    assert history_for(match).filter(action="matching.match.reassigned").exists()
    assert Notification.objects.get(recipient=new).kind == notifications.Kind.ASSIGNED
    assert Notification.objects.get(recipient=old).kind == notifications.Kind.REASSIGNED_AWAY


def test_reassigning_an_unassigned_match_assigns_it_with_a_deadline():
    manager, lead = make_manager(), make_team_lead()
    match = make_match(manager=None, stage=Stage.PROPOSED)

    lifecycle.reassign(match=match, manager=manager, actor=lead)

    match.refresh_from_db()
    assert (match.manager, match.stage) == (manager, Stage.ASSIGNED)
    assert match.first_contact_due is not None
    assert match.assigned_at is not None


def test_only_team_leads_reassign():
    manager, other = make_manager(), make_manager()
    match = make_match(manager=manager)

    with pytest.raises(NotPermitted):
        lifecycle.reassign(match=match, manager=other, actor=manager)
    match.refresh_from_db()
    assert match.manager == manager


def test_reassigning_to_someone_who_is_not_a_manager_is_refused():
    lead = make_team_lead()
    match = make_match(manager=make_manager())
    stakeholder = make_stakeholder(match.offer.organisation)

    with pytest.raises(MatchError) as refused:
        lifecycle.reassign(match=match, manager=stakeholder, actor=lead)

    assert refused.value.field == "manager"
    match.refresh_from_db()
    assert match.manager != stakeholder
    assert not match.events.exists()


def test_manager_hands_over_with_a_note_keeping_the_deadline():
    manager, colleague = make_manager(), make_manager()
    match = make_match(manager=manager, stage=Stage.ASSIGNED)
    match.first_contact_due = match.created_at.date()
    match.save()

    lifecycle.hand_over(match=match, manager=colleague, actor=manager, note="Conosce l'azienda")

    match.refresh_from_db()
    assert match.manager == colleague
    assert match.first_contact_due == match.created_at.date()
    assert match.events.get(kind="handed_over").note == "Conosce l'azienda"
    assert history_for(match).filter(action="matching.match.handed_over").exists()


@pytest.mark.parametrize("note", ["", "   "])
def test_hand_over_needs_a_note(note):
    manager, colleague = make_manager(), make_manager()
    match = make_match(manager=manager)

    with pytest.raises(MatchError) as refused:
        lifecycle.hand_over(match=match, manager=colleague, actor=manager, note=note)

    assert refused.value.field == "note"
    match.refresh_from_db()
    assert match.manager == manager


def test_another_manager_cannot_hand_over_a_colleagues_match():
    manager, other = make_manager(), make_manager()
    match = make_match(manager=manager)

    with pytest.raises(NotPermitted):
        lifecycle.hand_over(match=match, manager=other, actor=other, note="Mia")


def test_split_sets_the_quantity_within_what_is_open():
    manager = make_manager()
    match = make_match(manager=manager, quantity=10)

    lifecycle.split_quantity(match=match, quantity=4, actor=manager)

    match.refresh_from_db()
    assert match.quantity == 4
    assert match.events.filter(kind="quantity").exists()


@pytest.mark.parametrize("quantity", [0, -1, 11])
def test_split_outside_the_open_quantity_is_refused(quantity):
    manager = make_manager()
    match = make_match(manager=manager, quantity=10)

    with pytest.raises(MatchError) as refused:
        lifecycle.split_quantity(match=match, quantity=quantity, actor=manager)

    assert refused.value.field == "quantity"
    match.refresh_from_db()
    assert match.quantity == 10


def test_contacting_the_stakeholder_writes_in_their_language_once_and_marks_contacted():
    manager = make_manager(first_name="Laura", last_name="Conti")
    organisation = OrganisationFactory()
    contact = ContactPersonFactory(organisation=organisation, language="en")
    match = make_match(manager=manager, organisation=organisation, stage=Stage.ASSIGNED)
    match.offer.contact = contact
    match.offer.save()

    from matching import emails

    recipient = emails.stakeholder_recipient(match.offer)
    subject, body = emails.contact_draft(match=match, sender=manager, recipient=recipient)
    assert recipient.language == "en"
    assert "Your offer" in subject
    assert "Laura Conti" in body

    event = lifecycle.contact_stakeholder(match=match, actor=manager, subject=subject, body=body)

    match.refresh_from_db()
    assert match.stage == Stage.CONTACTED
    assert event.payload["to"] == contact.email
    assert OutboxMessage.objects.filter(task_name="matching.send_contact_email").count() == 1
    assert history_for(match).filter(action="matching.match.contact_email_sent").exists()

    assert notifications.deliver_contact_email(event_id=event.pk) is True
    assert notifications.deliver_contact_email(event_id=event.pk) is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [contact.email]
    assert mail.outbox[0].subject == subject


def test_contact_with_an_empty_message_is_refused():
    manager = make_manager()
    match = make_match(manager=manager)

    with pytest.raises(MatchError) as refused:
        lifecycle.contact_stakeholder(match=match, actor=manager, subject="Ciao", body=" ")

    assert refused.value.field == "body"
    match.refresh_from_db()
    assert match.stage == Stage.ASSIGNED
    assert not match.events.exists()
