"""Organisations whose stated interests fit a new need are suggested for outreach."""

from __future__ import annotations

import pytest
from django.utils import translation

from contactpoint.models import AuditEntry
from matching import engine, services
from matching.models import OutreachSuggestion, Stage
from needs.models import Need
from tests.factories import (
    MatchFactory,
    MunicipioFactory,
    NeedFactory,
    NeighbourhoodFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def need():
    m4 = MunicipioFactory(number=4)
    rogoredo = NeighbourhoodFactory(nil_id=37, official_name="ROGOREDO", municipio=m4)
    return NeedFactory(title="Merende sane per il doposcuola", neighbourhood=rogoredo)


def interested(need, *, nils=(), municipi=(), **kwargs):
    organisation = OrganisationFactory(**kwargs)
    organisation.interests.add(need.area)
    organisation.preferred_neighbourhoods.add(*nils)
    organisation.preferred_municipi.add(*municipi)
    return organisation


def suggested(need) -> list[int]:
    return list(
        OutreachSuggestion.objects.filter(need=need)
        .order_by("-score", "organisation_id")
        .values_list("organisation_id", flat=True)
    )


def test_organisations_interested_in_the_area_are_suggested_nearest_first(need):
    same_nil = interested(need, nils=[need.neighbourhood])
    same_municipio = interested(need, municipi=[need.neighbourhood.municipio])
    anywhere = interested(need)
    elsewhere = interested(need, municipi=[MunicipioFactory(number=9)])
    OrganisationFactory()  # no stated interest
    OrganisationFactory().interests.add(NeedFactory().area)  # another area

    services.match_need(need=need)

    assert suggested(need) == [same_nil.pk, same_municipio.pk, anywhere.pk, elsewhere.pk]
    top = OutreachSuggestion.objects.get(need=need, organisation=same_nil)
    with translation.override("en"):
        assert engine.describe_outreach(top.reason)[1] == "Same neighbourhood (NIL)"


def test_merged_organisations_and_those_already_matched_are_not_suggested(need):
    survivor = interested(need)
    interested(need, merged_into=survivor)
    already = interested(need)
    MatchFactory(need=need, offer__organisation=already, stage=Stage.CONTACTED)

    services.suggest_outreach(need=need)

    assert suggested(need) == [survivor.pk]


def test_suggesting_twice_creates_no_duplicates_and_drops_those_that_no_longer_fit(need):
    keeps = interested(need)
    leaves = interested(need)
    services.suggest_outreach(need=need)
    services.suggest_outreach(need=need)
    assert sorted(suggested(need)) == [keeps.pk, leaves.pk]

    leaves.interests.clear()
    services.suggest_outreach(need=need)

    assert suggested(need) == [keeps.pk]
    assert AuditEntry.objects.filter(action="matching.need.outreach_suggested").count() == 3


def test_a_need_no_longer_open_keeps_no_suggestions(need):
    interested(need)
    services.suggest_outreach(need=need)
    Need.objects.filter(pk=need.pk).update(status=Need.Status.COVERED, quantity_open=0)

    services.suggest_outreach(need=need)

    assert suggested(need) == []
