"""Each KPI on a small hand-made data set whose answers are known, and year over year."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching.models import Stage
from monitoring import kpis
from monitoring.models import TrainingAttendance, TrainingSession
from needs.models import Need
from stakeholders.models import Consent, Organisation
from tests.factories import (
    ContactPersonFactory,
    DepartmentFactory,
    InterventionAreaFactory,
    MatchFactory,
    MunicipioFactory,
    NeedFactory,
    NeighbourhoodFactory,
    OfferFactory,
    OrganisationFactory,
)
from tests.monitoring.support import at, collaboration, stage_event

pytestmark = pytest.mark.django_db


def value(code, year, **filters):
    return kpis.kpi_values(kpis.Filters(year=year, **filters))[code]


def attend(session, email, department):
    TrainingAttendance.objects.create(
        session=session, name=email, email=email, department=department
    )


def test_people_trained_counts_each_person_once_and_departments_reached():
    d1, d2, _d3 = DepartmentFactory(), DepartmentFactory(), DepartmentFactory()
    march = TrainingSession.objects.create(title="CSR 1", date=at(2025, 3, 1).date())
    may = TrainingSession.objects.create(title="CSR 2", date=at(2025, 5, 1).date())
    attend(march, "a@comune.milano.it", d1)
    attend(march, "b@comune.milano.it", d1)
    attend(may, "a@comune.milano.it", d2)
    last_year = TrainingSession.objects.create(title="CSR 0", date=at(2024, 11, 1).date())
    attend(last_year, "c@comune.milano.it", d1)

    people = value("people_trained", 2025)
    assert (people.value, people.previous, people.target) == (2, 1, 20)
    assert people.change == 1
    assert people.progress == 10
    departments = value("departments_trained", 2025)
    assert departments.value == Decimal("66.67")
    assert departments.previous == Decimal("33.33")


def test_funnel_and_median_days_from_offer_to_contact_and_agreement():
    delivered = OfferFactory(created_at=at(2025, 2, 1))
    match = MatchFactory(offer=delivered, stage=Stage.IN_DELIVERY, contacted_at=at(2025, 2, 4))
    stage_event(match, Stage.AGREED, at(2025, 2, 11))
    second = OfferFactory(created_at=at(2025, 3, 1))
    MatchFactory(offer=second, stage=Stage.CONTACTED, contacted_at=at(2025, 3, 6))
    MatchFactory(offer=OfferFactory(created_at=at(2025, 4, 1)), stage=Stage.PROPOSED)
    OfferFactory(created_at=at(2025, 5, 1))  # never matched
    withdrawn = MatchFactory(offer=OfferFactory(created_at=at(2025, 6, 1)), stage=Stage.WITHDRAWN)
    stage_event(withdrawn, Stage.AGREED, at(2025, 6, 21))  # agreed, then withdrawn: counts
    MatchFactory(offer=OfferFactory(created_at=at(2024, 6, 1)), stage=Stage.COMPLETED)

    values = kpis.values_for(kpis.Filters(year=2025))
    funnel = [values[f"funnel_{step}"] for step in kpis.FUNNEL]
    assert funnel == [5, 4, 2, 2, 1, 0]
    # First contacts after 3 and 5 days; agreements after 10 and 20 days.
    assert values["days_to_first_contact"] == 4
    assert values["days_to_agreement"] == 15
    last_year = kpis.values_for(kpis.Filters(year=2024))
    assert [last_year[f"funnel_{step}"] for step in kpis.FUNNEL] == [1, 1, 0, 1, 1, 1]


def test_projects_cross_department_evaluations_and_impact_totals():
    d1, d2 = DepartmentFactory(), DepartmentFactory()
    collaboration(started=at(2025, 3, 1), departments=[d1, d2], devices=20, beneficiaries=30)
    collaboration(
        started=at(2025, 1, 10),
        departments=[d1],
        completed=at(2025, 6, 1),
        evaluated=at(2025, 6, 1),
        beneficiaries=12,
        volunteer_hours=40,
    )
    collaboration(started=at(2025, 2, 1), completed=at(2025, 7, 1), value_in_kind_eur=1500)
    collaboration(started=at(2024, 2, 1), completed=at(2024, 9, 1), evaluated=at(2024, 9, 1))

    values = kpis.values_for(kpis.Filters(year=2025))
    assert values["projects_started"] == 3
    assert values["cross_department"] == 1
    assert values["evaluations_done"] == 50
    assert values["impact_beneficiaries"] == 42
    assert values["impact_devices"] == 20
    assert values["impact_volunteer_hours"] == 40
    assert values["impact_value_in_kind"] == 1500
    assert values["impact_pupils"] == 0
    evaluations = value("evaluations_done", 2025)
    assert (evaluations.previous, evaluations.target, evaluations.on_target) == (100, 100, False)


def test_stakeholder_database_registered_consented_and_reviewed():
    end_of_2025 = at(2025, 12, 31)
    orgs = [OrganisationFactory() for _ in range(4)]
    Organisation.objects.update(created_at=at(2025, 1, 1), updated_at=at(2025, 6, 1))
    Organisation.objects.filter(pk=orgs[3].pk).update(updated_at=at(2023, 6, 1))
    for org in orgs[:2]:
        contact = ContactPersonFactory(organisation=org)
        Consent.objects.create(
            contact=contact, purpose="contact", text_version="1", given_at=at(2025, 2, 1)
        )
    withdrawn = ContactPersonFactory(organisation=orgs[2])
    Consent.objects.create(
        contact=withdrawn,
        purpose="contact",
        text_version="1",
        given_at=at(2025, 2, 1),
        withdrawn_at=at(2025, 3, 1),
    )
    merged = OrganisationFactory(merged_into=orgs[0])
    Organisation.objects.filter(pk=merged.pk).update(created_at=end_of_2025)
    OrganisationFactory()  # registered after the year
    Organisation.objects.filter(created_at__gt=timezone.now() - timedelta(days=1)).update(
        created_at=at(2026, 2, 1)
    )

    values = kpis.values_for(kpis.Filters(year=2025))
    assert values["organisations_registered"] == 4
    assert values["organisations_with_consent"] == 50
    assert values["organisations_reviewed"] == 75
    assert kpis.values_for(kpis.Filters(year=2024))["organisations_registered"] == 0


def test_needs_covered_by_area_and_municipio_and_stale_needs():
    food, digital = InterventionAreaFactory(), InterventionAreaFactory()
    m1, m2 = MunicipioFactory(number=1), MunicipioFactory(number=2)
    nil1, nil2 = NeighbourhoodFactory(municipio=m1), NeighbourhoodFactory(municipio=m2)
    NeedFactory(area=food, neighbourhood=nil1, status=Need.Status.COVERED, quantity_open=0)
    NeedFactory(
        area=food, neighbourhood=nil2, status=Need.Status.PARTIALLY_COVERED, quantity_open=4
    )
    NeedFactory(area=digital, neighbourhood=nil2, last_reviewed_at=at(2020, 1, 1))
    NeedFactory(area=digital, neighbourhood=nil1, status=Need.Status.DRAFT)
    year = timezone.localdate().year

    values = kpis.values_for(kpis.Filters(year=year))
    assert values["needs_covered"] == Decimal("66.67")
    assert values["stale_needs"] == 1
    assert kpis.values_for(kpis.Filters(year=year, area_id=food.pk))["needs_covered"] == 100
    in_m2 = kpis.values_for(kpis.Filters(year=year, municipio_id=m2.pk))
    assert (in_m2["needs_covered"], in_m2["stale_needs"]) == (50, 1)
    board = kpis.dashboard(kpis.Filters(year=year))
    assert [(row["label"], row["total"], row["covered"]) for row in board.by_municipio] == [
        ("Municipio 1", 1, 1),
        ("Municipio 2", 2, 1),
    ]
    assert {row["id"]: row["covered"] for row in board.by_area} == {food.pk: 2, digital.pk: 0}


def test_area_filter_narrows_the_funnel_and_the_collaborations():
    food = InterventionAreaFactory()
    in_area = MatchFactory(
        offer=OfferFactory(created_at=at(2025, 2, 1)),
        need=NeedFactory(area=food),
        stage=Stage.IN_DELIVERY,
    )
    MatchFactory(offer=OfferFactory(created_at=at(2025, 2, 1)), stage=Stage.PROPOSED)
    collaboration(match=in_area, started=at(2025, 3, 1), beneficiaries=7)
    collaboration(started=at(2025, 3, 1), beneficiaries=100)

    values = kpis.values_for(kpis.Filters(year=2025, area_id=food.pk))
    assert values["funnel_offers"] == 1
    assert values["projects_started"] == 1
    assert values["impact_beneficiaries"] == 7


def test_dashboard_runs_the_same_number_of_queries_whatever_the_data():
    year = timezone.localdate().year
    with CaptureQueriesContext(connection) as empty:
        kpis.dashboard(kpis.Filters(year=year))
    for _ in range(5):
        match = MatchFactory(stage=Stage.IN_DELIVERY, contacted_at=timezone.now())
        collaboration(match=match, started=timezone.now(), departments=[match.need.department])
    with CaptureQueriesContext(connection) as full:
        kpis.dashboard(kpis.Filters(year=year))
    # 8 per year (survey, training x2, collaborations, impact, registry, funnel, needs) for
    # this year and the last, the indicator registry, the trend, 3 coverage breakdowns, the
    # methods and the survey topics.
    assert len(empty.captured_queries) == len(full.captured_queries) == 23
