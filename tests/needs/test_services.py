"""Services: every change is audited, publishing queues matching, rules hold."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contactpoint.models import AuditEntry, OutboxMessage
from needs import services
from needs.models import Need
from tests.factories import InterventionAreaFactory, NeedFactory, NeighbourhoodFactory

pytestmark = pytest.mark.django_db


def need_fields(department, **overrides):
    fields = {
        "department": department,
        "area": InterventionAreaFactory(),
        "title": "PC portatili per alunni",
        "description": "Servono computer per studiare da casa.",
        "resource_kind": "goods",
        "quantity": 40,
        "unit": "PC",
        "beneficiaries": "Alunni della primaria",
        "neighbourhood": NeighbourhoodFactory(),
        "wanted_by": timezone.localdate() + datetime.timedelta(days=60),
    }
    fields.update(overrides)
    return fields


def test_create_need_makes_an_audited_draft_with_all_quantity_open(member_x, department_x):
    need = services.create_need(actor=member_x, **need_fields(department_x))

    assert need.status == Need.Status.DRAFT
    assert need.quantity_open == 40
    assert need.created_by == member_x
    assert need.last_reviewed_at is not None
    entry = AuditEntry.objects.get(action="needs.need.created")
    assert entry.actor == member_x
    assert entry.object_id == str(need.pk)
    assert not OutboxMessage.objects.exists()


def test_department_user_cannot_create_a_need_for_another_department(member_x, department_y):
    with pytest.raises(services.NeedPermissionDenied):
        services.create_need(actor=member_x, **need_fields(department_y))
    assert not Need.objects.exists()


def test_publish_queues_matching_through_the_outbox(member_x, department_x):
    need = services.create_need(actor=member_x, **need_fields(department_x))

    services.publish_need(need=need, actor=member_x)

    need.refresh_from_db()
    assert need.status == Need.Status.PUBLISHED
    assert need.published_at is not None
    message = OutboxMessage.objects.get()
    assert message.task_name == "matching.match_need"
    assert message.args == [need.pk]
    assert message.dedup_key == f"match-need-{need.pk}"
    assert AuditEntry.objects.filter(action="needs.need.published", object_id=str(need.pk)).exists()


def test_publish_refuses_a_wanted_by_date_in_the_past(member_x, department_x):
    need = NeedFactory(
        department=department_x,
        status=Need.Status.DRAFT,
        wanted_by=timezone.localdate() - datetime.timedelta(days=1),
    )

    with pytest.raises(ValidationError) as excinfo:
        services.publish_need(need=need, actor=member_x)

    assert "wanted_by" in excinfo.value.message_dict
    need.refresh_from_db()
    assert need.status == Need.Status.DRAFT
    assert not OutboxMessage.objects.exists()
    assert not AuditEntry.objects.filter(action="needs.need.published").exists()


def test_publish_refuses_a_need_that_is_already_published(member_x, need_x):
    with pytest.raises(ValidationError):
        services.publish_need(need=need_x, actor=member_x)


def test_significant_change_of_a_published_need_queues_matching_once(member_x, need_x):
    services.update_need(need=need_x, actor=member_x, quantity=50)
    services.update_need(need=need_x, actor=member_x, description="Nuova descrizione")

    # Dedup key: one pending job per need, however many edits before it runs.
    assert OutboxMessage.objects.filter(task_name="matching.match_need").count() == 1
    need_x.refresh_from_db()
    assert need_x.quantity == 50
    assert need_x.quantity_open == 50
    assert AuditEntry.objects.filter(action="needs.need.updated").count() == 2


def test_changing_only_the_priority_does_not_rematch(member_x, need_x):
    services.update_need(need=need_x, actor=member_x, priority=Need.Priority.URGENT)
    assert not OutboxMessage.objects.exists()


def test_update_keeps_what_offers_already_cover(member_x, department_x):
    need = NeedFactory(
        department=department_x,
        quantity=40,
        quantity_open=25,
        status=Need.Status.PARTIALLY_COVERED,
    )

    services.update_need(need=need, actor=member_x, quantity=30)
    need.refresh_from_db()
    assert (need.quantity, need.quantity_open, need.status) == (30, 15, "partially_covered")

    services.update_need(need=need, actor=member_x, quantity=15)
    need.refresh_from_db()
    assert (need.quantity_open, need.status) == (0, Need.Status.COVERED)

    with pytest.raises(ValidationError) as excinfo:
        services.update_need(need=need, actor=member_x, quantity=10)
    assert "quantity" in excinfo.value.message_dict
    need.refresh_from_db()
    assert need.quantity == 15


def test_update_by_a_member_of_another_department_is_refused(member_y, need_x):
    with pytest.raises(services.NeedPermissionDenied):
        services.update_need(need=need_x, actor=member_y, title="Preso in prestito")
    need_x.refresh_from_db()
    assert need_x.title == "Computer per la scuola X"


def test_update_validates_fields_and_stores_nothing_when_invalid(member_x, need_x):
    with pytest.raises(ValidationError) as excinfo:
        services.update_need(need=need_x, actor=member_x, title="x" * 201, quantity=0)
    assert set(excinfo.value.message_dict) == {"title", "quantity"}
    need_x.refresh_from_db()
    assert need_x.title == "Computer per la scuola X"
    assert not AuditEntry.objects.filter(action="needs.need.updated").exists()


def test_review_sets_last_reviewed_and_reviewer(member_x, department_x):
    need = NeedFactory(
        department=department_x, last_reviewed_at=timezone.now() - datetime.timedelta(days=90)
    )
    assert need.is_stale

    services.review_need(need=need, actor=member_x)

    need.refresh_from_db()
    assert not need.is_stale
    assert need.reviewed_by == member_x
    assert AuditEntry.objects.filter(action="needs.need.reviewed").exists()


def test_staleness_follows_the_configured_number_of_days(settings, department_x):
    settings.NEED_STALE_AFTER_DAYS = 30
    fresh = NeedFactory(
        department=department_x, last_reviewed_at=timezone.now() - datetime.timedelta(days=29)
    )
    old = NeedFactory(
        department=department_x, last_reviewed_at=timezone.now() - datetime.timedelta(days=31)
    )
    never = NeedFactory(department=department_x, last_reviewed_at=None)

    assert not fresh.is_stale
    assert old.is_stale
    assert never.is_stale
    assert set(Need.objects.stale()) == {old, never}


def test_close_withdraws_a_need_and_records_the_reason(member_x, need_x):
    services.close_need(need=need_x, actor=member_x, reason="Risolto con fondi propri")

    need_x.refresh_from_db()
    assert need_x.status == Need.Status.CLOSED
    assert need_x not in Need.objects.published()
    entry = AuditEntry.objects.get(action="needs.need.closed")
    assert entry.payload["reason"] == "Risolto con fondi propri"
    with pytest.raises(ValidationError):
        services.close_need(need=need_x, actor=member_x)


def test_expire_needs_moves_past_public_needs_to_expired_and_is_idempotent(department_x):
    today = timezone.localdate()
    past = NeedFactory(department=department_x, wanted_by=today - datetime.timedelta(days=1))
    partly = NeedFactory(
        department=department_x,
        wanted_by=today - datetime.timedelta(days=3),
        quantity=10,
        quantity_open=4,
        status=Need.Status.PARTIALLY_COVERED,
    )
    due_today = NeedFactory(department=department_x, wanted_by=today)
    no_date = NeedFactory(department=department_x, wanted_by=None)
    old_draft = NeedFactory(
        department=department_x, status="draft", wanted_by=today - datetime.timedelta(days=9)
    )

    assert services.expire_needs() == 2
    assert services.expire_needs() == 0

    statuses = dict(Need.objects.values_list("pk", "status"))
    assert statuses[past.pk] == statuses[partly.pk] == Need.Status.EXPIRED
    assert statuses[due_today.pk] == statuses[no_date.pk] == Need.Status.PUBLISHED
    assert statuses[old_draft.pk] == Need.Status.DRAFT
    assert AuditEntry.objects.filter(action="needs.need.expired").count() == 2


def test_an_expired_need_can_be_published_again_with_a_new_date(member_x, department_x):
    need = NeedFactory(
        department=department_x,
        status=Need.Status.EXPIRED,
        wanted_by=timezone.localdate() - datetime.timedelta(days=5),
    )
    with pytest.raises(ValidationError):
        services.publish_need(need=need, actor=member_x)

    services.update_need(
        need=need, actor=member_x, wanted_by=timezone.localdate() + datetime.timedelta(days=30)
    )
    services.publish_need(need=need, actor=member_x)

    need.refresh_from_db()
    assert need.status == Need.Status.PUBLISHED
