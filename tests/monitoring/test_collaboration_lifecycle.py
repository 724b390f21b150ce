"""A match entering delivery opens its impact record; it cannot complete without an
evaluation; the beneficiary's private link confirms once and cannot be guessed."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from contactpoint.models import OutboxMessage
from matching import lifecycle
from matching.models import Stage
from monitoring import services
from monitoring.models import Collaboration, VerificationLevel
from tests.factories import MatchFactory

pytestmark = pytest.mark.django_db


def test_in_delivery_opens_the_impact_record_once_with_the_needs_department():
    match = MatchFactory(stage=Stage.AGREED)
    lifecycle.transition(match=match, to_stage=Stage.IN_DELIVERY, actor=None)
    record = Collaboration.objects.get(match=match)
    assert list(record.departments.all()) == [match.need.department]
    services.open_collaboration(match=match, actor=None)
    assert Collaboration.objects.filter(match=match).count() == 1


def test_a_collaboration_cannot_be_completed_without_an_evaluation():
    match = MatchFactory(stage=Stage.AGREED)
    lifecycle.transition(match=match, to_stage=Stage.IN_DELIVERY, actor=None)
    with pytest.raises(lifecycle.MatchError) as refused:
        lifecycle.transition(match=match, to_stage=Stage.COMPLETED, actor=None)
    assert refused.value.field == "to_stage"
    match.refresh_from_db()
    assert match.stage == Stage.IN_DELIVERY

    record = Collaboration.objects.get(match=match)
    with pytest.raises(lifecycle.MatchError):
        services.record_evaluation(
            collaboration=record, evaluation="  ", method_and_limits="", actor=None
        )
    services.record_evaluation(
        collaboration=record,
        evaluation="30 alunni hanno un portatile.",
        method_and_limits="Conteggio della scuola.",
        actor=None,
    )
    lifecycle.transition(match=match, to_stage=Stage.COMPLETED, actor=None)
    record.refresh_from_db()
    assert record.completed_at is not None


def test_beneficiary_link_confirms_once_and_cannot_be_guessed():
    match = MatchFactory(stage=Stage.AGREED)
    lifecycle.transition(match=match, to_stage=Stage.IN_DELIVERY, actor=None)
    record = Collaboration.objects.get(match=match)
    token = services.request_beneficiary_confirmation(
        collaboration=record, email="preside@scuola.example", actor=None
    )
    record.refresh_from_db()
    assert token not in record.confirmation_token_hash
    assert len(token) >= 40

    with pytest.raises(services.ConfirmationLinkInvalid):
        services.confirm_delivery(token=token[:-1] + "x", confirmed_by="Qualcuno")
    confirmed = services.confirm_delivery(token=token, confirmed_by="La preside")
    assert confirmed.verification_level == VerificationLevel.BENEFICIARY
    assert confirmed.confirmed_by == "La preside"
    with pytest.raises(services.ConfirmationLinkInvalid):
        services.confirm_delivery(token=token, confirmed_by="Di nuovo")


def test_saving_the_beneficiary_email_sends_the_private_link_once(client):
    match = MatchFactory(stage=Stage.AGREED)
    lifecycle.transition(match=match, to_stage=Stage.IN_DELIVERY, actor=None)
    record = Collaboration.objects.get(match=match)
    record.confirmation_sent_to = "preside@scuola.example"
    services.save_impact_record(collaboration=record, changed=["confirmation_sent_to"], actor=None)
    assert (
        OutboxMessage.objects.filter(task_name="monitoring.send_confirmation_request").count() == 1
    )

    assert services.send_confirmation_request(collaboration_id=record.pk) is True
    assert services.send_confirmation_request(collaboration_id=record.pk) is False  # once
    assert services.send_confirmation_request(collaboration_id=987654) is False  # gone
    assert mail.outbox[0].to == ["preside@scuola.example"]
    token = re.search(r"/impact/confirm/([0-9a-f]{64})/", mail.outbox[0].body).group(1)

    assert client.get(f"/impact/confirm/{token}/").status_code == 200
    refused = client.post(f"/impact/confirm/{token}/", {"confirmed_by": ""})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert (
        client.post(f"/impact/confirm/{token}/", {"confirmed_by": "La preside"}).status_code == 200
    )
    record.refresh_from_db()
    assert record.verification_level == VerificationLevel.BENEFICIARY
    assert client.get(f"/impact/confirm/{token}/").status_code == 404
    assert client.post(f"/impact/confirm/{token}/", {"confirmed_by": "Altri"}).status_code == 404
