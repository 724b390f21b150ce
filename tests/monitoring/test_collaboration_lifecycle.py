"""A match entering delivery opens its impact record; it cannot complete without an
evaluation; the beneficiary's private link confirms once and cannot be guessed."""

from __future__ import annotations

import pytest

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
