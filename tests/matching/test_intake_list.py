"""The team's intake list: offers the relevance gate matched to no need, with the reason
"no fitting need", reachable from the offers in the admin, answered by a person."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from contactpoint.models import AuditEntry
from matching import services
from matching.models import IntakeItem
from needs.models import ResourceKind
from tests.factories import NeedFactory, OfferFactory
from tests.matching.workflow_support import (
    login,
    make_stakeholder,
    make_team_lead,
)

from .engine_catalogue import build_catalogue

pytestmark = [pytest.mark.django_db, pytest.mark.accept_language("en")]

INTAKE = "/admin/matching/intakeitem/"


def unfit_offer(**fields):
    offer = OfferFactory(
        title=fields.pop("title", "Biciclette da corsa usate"),
        description="Dieci biciclette da corsa usate, da ritirare in magazzino.",
        resource_kind=ResourceKind.GOODS,
        **fields,
    )
    services.match_offer(offer=offer)
    return offer


def test_the_team_lead_sees_offers_with_no_fitting_need_and_reaches_them_from_the_offers(client):
    build_catalogue()
    offer = unfit_offer()
    login(client, make_team_lead())

    offers = client.get(reverse("admin:stakeholders_offer_changelist"))
    assert f'href="{INTAKE}"' in offers.content.decode()

    response = client.get(INTAKE)

    assert response.status_code == 200
    assert [item.offer_id for item in response.context["cl"].result_list] == [offer.pk]
    html = response.content.decode()
    assert "No fitting need" in html and offer.title in html
    assert reverse("admin:stakeholders_offer_change", args=[offer.pk]) in html
    with translation.override("it"):
        assert str(IntakeItem.Reason.NO_FITTING_NEED.label) == "Nessun bisogno adatto"


def test_answering_takes_the_offer_off_the_list_with_an_audit_entry(client):
    build_catalogue()
    offer = unfit_offer()
    item = IntakeItem.objects.get(offer=offer)
    lead = make_team_lead()
    login(client, lead)

    response = client.post(INTAKE, {"action": "mark_answered", "_selected_action": [item.pk]})

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.resolved_at is not None and item.resolved_by == lead
    assert AuditEntry.objects.filter(
        action="matching.intake.answered", object_id=str(offer.pk)
    ).exists()
    assert list(client.get(INTAKE).context["cl"].result_list) == []
    assert [i.pk for i in client.get(INTAKE, {"state": "resolved"}).context["cl"].result_list] == [
        item.pk
    ]
    # A person answered it: matching again does not list it again.
    services.match_offer(offer=offer)
    item.refresh_from_db()
    assert item.resolved_by == lead


def test_a_need_published_later_that_fits_takes_the_offer_off_the_list():
    catalogue = build_catalogue()
    offer = unfit_offer()
    need = NeedFactory(
        title="Biciclette per i ragazzi del centro giovani",
        description="Biciclette usate per le uscite del centro.",
        area=catalogue.areas["greening"],
    )

    services.match_need(need=need, route=False)

    item = IntakeItem.objects.get(offer=offer)
    assert item.resolved_at is not None and item.resolved_by is None
    assert AuditEntry.objects.filter(
        action="matching.intake.resolved", object_id=str(offer.pk)
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_matching_again_outside_a_transaction_takes_the_offer_off_the_list(thesaurus):
    # As a task or a benchmark calls it: no transaction around the run.
    build_catalogue()
    offer = unfit_offer()
    assert IntakeItem.objects.filter(offer=offer, resolved_at__isnull=True).exists()
    NeedFactory(
        title="Biciclette per i ragazzi del centro giovani",
        description="Biciclette usate per le uscite del centro.",
    )

    services.match_offer(offer=offer, route=False)

    assert IntakeItem.objects.get(offer=offer).resolved_at is not None
    assert AuditEntry.objects.filter(
        action="matching.intake.resolved", object_id=str(offer.pk)
    ).exists()


def test_stakeholders_and_departments_do_not_see_the_intake_list(client):
    build_catalogue()
    offer = unfit_offer()
    login(client, make_stakeholder(offer.organisation))

    assert client.get(INTAKE).status_code in (302, 403, 404)


def test_intake_list_query_count_does_not_grow_with_rows(client, django_assert_num_queries):
    build_catalogue()
    unfit_offer(title="Biciclette da corsa 1")
    lead = make_team_lead()
    login(client, lead)
    client.get(INTAKE)  # warm the session and content types

    # session, user, TOTP check, user and group permissions, role names (twice: module and
    # view permission), reason filter, the page of items with offers and organisations.
    with django_assert_num_queries(8) as first:
        assert client.get(INTAKE).status_code == 200
    for i in range(6):
        unfit_offer(title=f"Biciclette da corsa {i + 2}")
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(INTAKE)
    assert len(response.context["cl"].result_list) == 7
