"""Matches follow their offer and need, through the real paths: the /my/ withdraw button,
the department's close button, and the expiry job on a real Celery worker."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone, translation

from contactpoint.models import AuditEntry, OutboxMessage
from matching import notifications, services
from matching.attention import ENDED_NOTES, Reason
from matching.models import Match, MatchEvent, Notification, Stage
from needs.models import Need
from needs.tasks import expire_needs
from stakeholders.models import Offer
from tests.factories import NeedFactory, OrganisationFactory
from tests.fixtures.celery_worker import wait_for

from .workflow_support import (
    login,
    make_department_user,
    make_manager,
    make_match,
    make_stakeholder,
)

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.timedelta(days=30)


def one_offer_with_matches(manager):
    """One offer with a proposed, an assigned (late first contact) and a contacted match."""
    organisation = OrganisationFactory()
    proposed = make_match(stage=Stage.PROPOSED, organisation=organisation)
    offer = proposed.offer
    assigned = make_match(
        stage=Stage.ASSIGNED,
        manager=manager,
        offer=offer,
        assigned_at=timezone.now() - LONG_AGO,
        first_contact_due=timezone.localdate() - LONG_AGO,
    )
    contacted = make_match(
        stage=Stage.CONTACTED, manager=manager, offer=offer, contacted_at=timezone.now()
    )
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.MATCHED)
    return offer, proposed, assigned, contacted


def note(reason) -> str:
    """The reason as stored: in the portal's language, like every system note."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(ENDED_NOTES[reason])


def stage_of(match) -> str:
    return Match.objects.get(pk=match.pk).stage


def test_withdrawing_from_my_area_ends_unworked_matches_and_flags_worked_ones(client):
    manager = make_manager()
    offer, proposed, assigned, contacted = one_offer_with_matches(manager)
    stakeholder = make_stakeholder(offer.organisation)

    response = login(client, stakeholder).post(f"/my/offers/{offer.pk}/withdraw/")

    assert response.status_code == 302
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.WITHDRAWN
    assert stage_of(proposed) == stage_of(assigned) == Stage.WITHDRAWN
    assert stage_of(contacted) == Stage.CONTACTED  # the manager decides
    event = MatchEvent.objects.get(match=assigned, to_stage=Stage.WITHDRAWN)
    assert event.note == note(Reason.OFFER_WITHDRAWN)
    assert event.visible_to_stakeholder
    flag = MatchEvent.objects.get(match=contacted, kind="decision_needed")
    assert not flag.visible_to_stakeholder
    entry = AuditEntry.objects.get(action="matching.offer.matches_followed")
    assert entry.actor == stakeholder
    assert sorted(entry.payload["ended"]) == sorted([proposed.pk, assigned.pk])
    assert entry.payload["flagged"] == [contacted.pk]
    # A sweep after the commit ends anything a concurrent request held meanwhile.
    assert OutboxMessage.objects.filter(dedup_key=f"match-offer-{offer.pk}").exists()


def test_ended_matches_get_no_sla_reminder_and_the_manager_hears_once_in_the_digest(client):
    manager = make_manager(email="gestore@comune.example")
    offer, _proposed, assigned, contacted = one_offer_with_matches(manager)
    login(client, make_stakeholder(offer.organisation)).post(f"/my/offers/{offer.pk}/withdraw/")
    mail.outbox.clear()

    assert notifications.send_sla_reminders() == 0
    assert not Notification.objects.filter(kind=notifications.Kind.SLA_REMINDER).exists()
    # Nothing was e-mailed on its own: both wait for the digest.
    kinds = sorted(Notification.objects.filter(recipient=manager).values_list("kind", flat=True))
    assert kinds == [notifications.Kind.DECISION_NEEDED, notifications.Kind.MATCH_ENDED]
    assert mail.outbox == []

    assert notifications.send_daily_digests() == 1
    assert notifications.send_daily_digests() == 0
    [digest] = mail.outbox
    assert digest.to == ["gestore@comune.example"]
    assert digest.body.count(f"/admin/matching/match/{assigned.pk}/") == 1
    assert digest.body.count(f"/admin/matching/match/{contacted.pk}/") == 1


def test_the_queue_and_the_match_page_flag_a_worked_match_whose_offer_was_withdrawn(client):
    manager = make_manager()
    offer, _proposed, assigned, contacted = one_offer_with_matches(manager)
    login(client, make_stakeholder(offer.organisation)).post(f"/my/offers/{offer.pk}/withdraw/")

    login(client, manager)
    queue = client.get("/admin/matching/match/").content.decode()
    assert queue.count('<span class="cp-decision">') == 1
    flagged = client.get("/admin/matching/match/?decision=yes").context["cl"].result_list
    assert [m.pk for m in flagged] == [contacted.pk]
    page = client.get(f"/admin/matching/match/{contacted.pk}/change/").content.decode()
    assert 'class="cp-decision cp-decision--page"' in page
    other = client.get(f"/admin/matching/match/{assigned.pk}/change/").content.decode()
    assert 'class="cp-decision cp-decision--page"' not in other


def test_the_departments_close_button_ends_the_needs_unworked_matches(client):
    manager = make_manager()
    department_user = make_department_user()
    need = NeedFactory(department=department_user.departments.get())
    assigned = make_match(stage=Stage.ASSIGNED, manager=manager, need=need)
    negotiating = make_match(stage=Stage.NEGOTIATING, manager=manager, need=need)
    Offer.objects.filter(pk=assigned.offer_id).update(status=Offer.Status.MATCHED)

    response = login(client, department_user).post(
        f"/workspace/needs/{need.pk}/close/", {"reason": "Risolto altrimenti"}
    )

    assert response.status_code == 302
    assert Need.objects.get(pk=need.pk).status == Need.Status.CLOSED
    assert stage_of(assigned) == Stage.EXPIRED
    ended = MatchEvent.objects.get(match=assigned, to_stage="expired")
    assert ended.note == note(Reason.NEED_CLOSED)
    assert stage_of(negotiating) == Stage.NEGOTIATING
    assert MatchEvent.objects.filter(match=negotiating, kind="decision_needed").exists()
    # The offer is free again: back to review, and queued to be matched with other needs.
    assert Offer.objects.get(pk=assigned.offer_id).status == Offer.Status.IN_REVIEW
    entry = AuditEntry.objects.get(action="matching.need.matches_followed")
    assert entry.actor == department_user
    assert entry.payload["reason"] == "need_closed"


def test_a_withdrawal_that_fails_leaves_the_matches_as_they_were(client):
    manager = make_manager()
    offer, proposed, assigned, _contacted = one_offer_with_matches(manager)
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.COMPLETED)

    login(client, make_stakeholder(offer.organisation)).post(f"/my/offers/{offer.pk}/withdraw/")

    assert (stage_of(proposed), stage_of(assigned)) == (Stage.PROPOSED, Stage.ASSIGNED)
    assert not AuditEntry.objects.filter(action="matching.offer.matches_followed").exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_expiry_job_on_a_real_worker_ends_the_matches_of_an_expired_need(
    celery_worker_process,
):
    manager = make_manager()
    need = NeedFactory(wanted_by=timezone.localdate() - datetime.timedelta(days=2))
    assigned = make_match(stage=Stage.ASSIGNED, manager=manager, need=need)
    contacted = make_match(stage=Stage.CONTACTED, manager=manager, need=need)

    expire_needs.delay()

    wait_for(lambda: stage_of(assigned) == Stage.EXPIRED)
    assert Need.objects.get(pk=need.pk).status == Need.Status.EXPIRED
    ended = MatchEvent.objects.get(match=assigned, to_stage="expired")
    assert ended.note == note(Reason.NEED_EXPIRED)
    assert stage_of(contacted) == Stage.CONTACTED
    assert Notification.objects.filter(
        recipient=manager, kind=notifications.Kind.DECISION_NEEDED, match=contacted
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_a_match_held_by_a_concurrent_request_is_skipped_then_swept(client):
    """The withdrawal never waits for a match someone is moving (the two lock orders would
    deadlock); the re-matching sweep it queued ends that match afterwards."""
    manager = make_manager()
    offer, proposed, assigned, _contacted = one_offer_with_matches(manager)
    stakeholder = make_stakeholder(offer.organisation)
    held, release = threading.Event(), threading.Event()

    def hold_the_match():
        try:
            with transaction.atomic():
                Match.objects.select_for_update().get(pk=assigned.pk)
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_match)
    holder.start()
    assert held.wait(timeout=30)
    try:
        response = login(client, stakeholder).post(f"/my/offers/{offer.pk}/withdraw/")
    finally:
        release.set()
        holder.join(timeout=30)

    assert response.status_code == 302
    assert stage_of(proposed) == Stage.WITHDRAWN
    assert stage_of(assigned) == Stage.ASSIGNED  # skipped, not waited for

    services.match_offer_by_id(offer.pk)  # the sweep the withdrawal queued

    assert stage_of(assigned) == Stage.EXPIRED
