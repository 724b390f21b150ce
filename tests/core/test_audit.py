"""The audit trail is written inside the change's transaction, with dotted action names."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from contactpoint.audit import history_for, log_action
from contactpoint.models import AuditEntry
from tests.factories import UserFactory


def make_actor(email: str = "manager@example.org"):
    return UserFactory(email=email)


@pytest.mark.django_db
def test_log_action_records_actor_action_object_and_payload():
    actor = make_actor()
    group = Group.objects.create(name="Volunteers of Municipio 3")

    with transaction.atomic():
        entry = log_action(
            actor=actor,
            action="contactpoint.group.renamed",
            obj=group,
            payload={"from": "Volunteers", "to": group.name},
        )

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor == actor
    assert stored.action == "contactpoint.group.renamed"
    assert stored.content_type == ContentType.objects.get_for_model(Group)
    assert stored.object_id == str(group.pk)
    assert stored.object_repr == "Volunteers of Municipio 3"
    assert stored.payload == {"from": "Volunteers", "to": "Volunteers of Municipio 3"}
    assert stored.created_at is not None


@pytest.mark.django_db
def test_log_action_without_object_or_authenticated_actor_records_no_actor():
    with transaction.atomic():
        by_anonymous = log_action(actor=AnonymousUser(), action="stakeholders.offer.submitted")
        by_system = log_action(actor=None, action="matching.match.expired", payload={"n": 3})

    assert by_anonymous.actor is None
    assert by_anonymous.content_type is None
    assert by_anonymous.object_id == ""
    assert by_anonymous.payload == {}
    assert by_system.actor is None
    assert by_system.payload == {"n": 3}


@pytest.mark.django_db
def test_object_repr_is_cut_to_the_column_length():
    # Only the primary key and the text of the object are read: no need to save it.
    group = Group(pk=987_654, name="y" * 300)
    with transaction.atomic():
        entry = log_action(actor=None, action="contactpoint.group.touched", obj=group)
    assert entry.object_repr == "y" * 200
    assert entry.object_id == "987654"


@pytest.mark.django_db(transaction=True)
def test_log_action_outside_a_transaction_raises():
    actor = make_actor()

    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        log_action(actor=actor, action="needs.need.published")

    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_leaves_no_audit_entry():
    actor = make_actor()

    with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
        group = Group.objects.create(name="Never committed")
        log_action(actor=actor, action="contactpoint.group.created", obj=group)
        raise RuntimeError("boom")

    assert AuditEntry.objects.count() == 0
    assert not Group.objects.filter(name="Never committed").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["published", "needs.published", "", "needs."])
def test_action_that_is_not_dotted_app_model_verb_is_refused(action):
    with pytest.raises(ValueError, match="dotted"), transaction.atomic():
        log_action(actor=None, action=action)

    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_history_for_returns_the_objects_entries_newest_first():
    actor = make_actor()
    group = Group.objects.create(name="Schools")
    other = Group.objects.create(name="Parks")
    with transaction.atomic():
        log_action(actor=actor, action="contactpoint.group.created", obj=group)
        log_action(actor=actor, action="contactpoint.group.created", obj=other)
        log_action(actor=actor, action="contactpoint.group.renamed", obj=group)
        log_action(actor=actor, action="contactpoint.group.archived", obj=group)

    history = list(history_for(group))

    assert [entry.action for entry in history] == [
        "contactpoint.group.archived",
        "contactpoint.group.renamed",
        "contactpoint.group.created",
    ]
    assert {entry.object_id for entry in history} == {str(group.pk)}
    assert history[0].actor == actor


@pytest.mark.django_db
def test_history_for_loads_actors_in_the_same_query(django_assert_num_queries):
    actor = make_actor()
    group = Group.objects.create(name="Libraries")
    with transaction.atomic():
        for verb in ("created", "renamed", "archived"):
            log_action(actor=actor, action=f"contactpoint.group.{verb}", obj=group)

    ContentType.objects.get_for_model(Group)  # warm the content-type cache
    with django_assert_num_queries(1):
        emails = [entry.actor.email for entry in history_for(group)]
    assert emails == [actor.email] * 3
