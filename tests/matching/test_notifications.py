"""Notifications: the manager told at once, daily digests, SLA reminders and escalations.

Every job runs twice here: the second run must send nothing new.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from contactpoint.models import OutboxMessage
from matching import lifecycle, notifications, routing, sla
from matching.models import Notification, Stage
from tests.factories import InterventionAreaFactory, NeedFactory
from tests.fixtures.celery_worker import wait_for
from tests.matching.workflow_support import (
    make_manager,
    make_match,
    make_stakeholder,
    make_team_lead,
)

pytestmark = pytest.mark.django_db


def assigned_notification(manager, match):
    return notifications.notify(
        recipient=manager,
        kind=notifications.Kind.ASSIGNED,
        match=match,
        dedup_key=f"assigned:{match.pk}:{manager.pk}:test",
    )


def late_match(manager, *, due: date):
    match = make_match(manager=manager, stage=Stage.ASSIGNED)
    match.first_contact_due = due
    match.save()
    return match


def test_assigned_manager_is_told_at_once_and_only_once():
    manager = make_manager(email="laura@example.org")
    match = make_match(manager=manager, need=NeedFactory(title="PC per la scuola Sottocorno"))
    notification = assigned_notification(manager, match)

    assert OutboxMessage.objects.filter(task_name="matching.send_notification").count() == 1
    assert notifications.deliver_notification(notification_id=notification.pk) is True
    assert notifications.deliver_notification(notification_id=notification.pk) is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["laura@example.org"]
    assert "PC per la scuola Sottocorno" in message.subject
    assert f"/admin/matching/match/{match.pk}/change/" in message.body
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_the_same_notification_is_recorded_once():
    manager = make_manager()
    match = make_match(manager=manager)

    assert assigned_notification(manager, match) is not None
    assert assigned_notification(manager, match) is None
    assert Notification.objects.count() == 1


def test_staff_e_mails_are_italian_unless_the_profile_says_otherwise():
    italian, english = make_manager(), make_manager()
    english.manager_profile.language = "en"
    english.manager_profile.save()
    lead_without_profile = make_team_lead()
    for user in (italian, english, lead_without_profile):
        n = assigned_notification(user, make_match(manager=user))
        notifications.deliver_notification(notification_id=n.pk)

    languages = [m.extra_headers["Content-Language"] for m in mail.outbox]
    assert languages == ["it", "en", "it"]


def test_lower_priority_events_wait_for_the_digest():
    manager = make_manager()
    match = make_match(manager=manager, stage=Stage.CONTACTED)
    stakeholder = make_stakeholder(match.offer.organisation)

    lifecycle.transition(match=match, to_stage=Stage.WITHDRAWN, actor=stakeholder)

    assert Notification.objects.get(recipient=manager).kind == notifications.Kind.STAGE_CHANGED
    assert not OutboxMessage.objects.filter(task_name="matching.send_notification").exists()


def test_sla_reminder_nudges_the_manager_once():
    manager = make_manager()
    today = date(2026, 12, 2)
    match = late_match(manager, due=date(2026, 12, 1))
    late_match(manager, due=date(2026, 12, 2))  # due today: not late yet

    assert notifications.send_sla_reminders(today=today) == 1
    assert notifications.send_sla_reminders(today=today) == 0

    reminder = Notification.objects.get(kind=notifications.Kind.SLA_REMINDER)
    assert (reminder.recipient, reminder.match) == (manager, match)
    assert OutboxMessage.objects.filter(task_name="matching.send_notification").count() == 1
    notifications.deliver_notification(notification_id=reminder.pk)
    notifications.deliver_notification(notification_id=reminder.pk)
    assert len(mail.outbox) == 1


def test_contacted_matches_get_no_reminder():
    manager = make_manager()
    match = late_match(manager, due=date(2026, 12, 1))
    lifecycle.transition(match=match, to_stage=Stage.CONTACTED, actor=manager)

    assert notifications.send_sla_reminders(today=date(2026, 12, 10)) == 0


def test_escalates_to_team_leads_after_more_working_days_once():
    manager = make_manager()
    leads = [make_team_lead(), make_team_lead()]
    match = late_match(manager, due=date(2026, 11, 26))  # Thursday

    # Friday: 1 working day late, below the default 2: only the reminder.
    assert notifications.send_sla_reminders(today=date(2026, 11, 27)) == 1
    assert not Notification.objects.filter(kind=notifications.Kind.SLA_ESCALATION).exists()
    # Monday: 2 working days late (the weekend does not count): the team leads hear of it.
    assert notifications.send_sla_reminders(today=date(2026, 11, 30)) == 2
    assert notifications.send_sla_reminders(today=date(2026, 11, 30)) == 0
    assert notifications.send_sla_reminders(today=date(2026, 12, 1)) == 0

    escalations = Notification.objects.filter(kind=notifications.Kind.SLA_ESCALATION)
    assert sorted(n.recipient_id for n in escalations) == sorted(lead.pk for lead in leads)
    assert {n.match for n in escalations} == {match}


def test_escalation_counts_milans_holidays_as_non_working():
    sla.load_holidays(years=[2026], subdiv="MI")
    make_manager()
    make_team_lead()
    late_match(make_manager(), due=date(2026, 12, 4))  # Friday before Sant'Ambrogio

    # Wednesday 9: Monday 7 and Tuesday 8 are holidays, so only 1 working day late.
    notifications.send_sla_reminders(today=date(2026, 12, 9))
    assert not Notification.objects.filter(kind=notifications.Kind.SLA_ESCALATION).exists()

    notifications.send_sla_reminders(today=date(2026, 12, 10))
    assert Notification.objects.filter(kind=notifications.Kind.SLA_ESCALATION).exists()


def test_escalation_delay_follows_the_setting(settings):
    settings.MATCH_SLA_ESCALATION_WORKING_DAYS = 1
    make_team_lead()
    late_match(make_manager(), due=date(2026, 11, 26))

    notifications.send_sla_reminders(today=date(2026, 11, 27))

    assert Notification.objects.filter(kind=notifications.Kind.SLA_ESCALATION).exists()


def test_daily_digest_lists_new_and_late_matches_once_a_day():
    manager = make_manager(email="laura@example.org")
    new = make_match(manager=manager, need=NeedFactory(title="Tablet per la biblioteca"))
    assigned_notification(manager, new)
    late = late_match(manager, due=date(2026, 12, 1))
    late.need.title = "Murale alla scuola Sottocorno"
    late.need.save()
    moved = make_match(manager=manager, stage=Stage.CONTACTED)
    lifecycle.transition(
        match=moved,
        to_stage=Stage.WITHDRAWN,
        actor=make_stakeholder(moved.offer.organisation),
    )
    idle = make_manager()  # nothing for them: no digest

    assert notifications.send_daily_digests(today=date(2026, 12, 3)) == 1
    assert notifications.send_daily_digests(today=date(2026, 12, 3)) == 0

    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["laura@example.org"]
    assert "Tablet per la biblioteca" in digest.body
    assert "Murale alla scuola Sottocorno" in digest.body
    assert moved.need.title in digest.body
    assert not Notification.objects.filter(recipient=idle).exists()
    assert not Notification.objects.filter(recipient=manager, digest_sent_at__isnull=True).exists()

    # The next day only what is still late comes back; the news were already told.
    assert notifications.send_daily_digests(today=date(2026, 12, 4)) == 1
    second = mail.outbox[1].body
    assert "Murale alla scuola Sottocorno" in second
    assert "Tablet per la biblioteca" not in second


def test_team_lead_digest_lists_unassigned_matches():
    make_team_lead(email="chiara@example.org")
    area = InterventionAreaFactory()
    match = make_match(manager=None, stage=Stage.PROPOSED, need=NeedFactory(area=area))
    routing.route_match(match=match)  # nobody expert: unassigned, team lead alerted

    assert notifications.send_daily_digests(today=timezone.localdate()) == 1
    assert notifications.send_daily_digests(today=timezone.localdate()) == 0

    body = mail.outbox[-1].body
    assert mail.outbox[-1].to == ["chiara@example.org"]
    assert match.need.title in body


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_assignment_e_mail(celery_worker_process):
    area = InterventionAreaFactory()
    manager = make_manager(areas=[area])
    match = make_match(manager=None, stage=Stage.PROPOSED, need=NeedFactory(area=area))

    with transaction.atomic():
        routing.route_match(match=match)

    notification = wait_for(
        lambda: Notification.objects.filter(
            recipient=manager, sent_at__isnull=False, sent_at__gt=timezone.now() - timedelta(1)
        ).first()
    )
    assert notification.kind == notifications.Kind.ASSIGNED
