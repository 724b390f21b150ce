"""Ranking quality on a hand-made Milan catalogue where the right answer is known."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from matching import services
from matching.models import Match
from needs.models import ResourceKind
from tests.factories import NeedFactory, OfferFactory

from .engine_catalogue import build_catalogue, laptop_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build_catalogue()


def ranked_need_ids(offer) -> list[int]:
    services.match_offer(offer=offer)
    return list(
        Match.objects.filter(offer=offer).order_by("-score").values_list("need_id", flat=True)
    )


def test_laptop_offer_ranks_the_pc_portatile_need_first(catalogue):
    # "computer portatili" must find "PC portatile": Italian stemming, not exact words.
    offer = laptop_offer(catalogue)

    ranking = ranked_need_ids(offer)

    assert ranking[0] == catalogue.needs["laptops"].pk
    assert catalogue.needs["tablets"].pk in ranking  # same area, fewer shared words


def test_draft_expired_covered_and_other_kind_needs_never_appear(catalogue):
    offer = laptop_offer(catalogue)

    ranking = ranked_need_ids(offer)

    for key in ("draft_laptops", "expired_laptops", "covered_laptops", "coding", "mural", "sky"):
        assert catalogue.needs[key].pk not in ranking, key


def test_mural_offer_finds_the_sottocorno_mural(catalogue):
    offer = OfferFactory(
        title="Murale partecipato con artisti di strada",
        description="Un collettivo di street artist dipinge un murale con i ragazzi di una "
        "scuola di periferia.",
        resource_kind=ResourceKind.EXPERTISE,
        quantity=2,
        unit="giornate",
    )

    ranking = ranked_need_ids(offer)

    assert ranking[0] == catalogue.needs["mural"].pk


def test_astronomy_lab_offer_finds_the_travelling_sky_labs(catalogue):
    offer = OfferFactory(
        title="Laboratorio STEM di astronomia",
        description="Esperti di astrofisica portano nelle scuole un planetario mobile e "
        "laboratori sul cielo e le stelle per i bambini.",
        resource_kind=ResourceKind.EXPERTISE,
        quantity=6,
        unit="laboratori",
    )
    offer.areas.add(catalogue.areas["stem"])

    ranking = ranked_need_ids(offer)

    assert ranking[0] == catalogue.needs["sky"].pk


def _twin_needs(catalogue, **variants):
    """Identical needs that differ only in what ``variants`` says."""
    base = {
        "title": "Zaini e materiale scolastico per bambini",
        "description": "Zaini, quaderni e astucci per l'inizio dell'anno scolastico.",
        "area": catalogue.areas["schools"],
        "quantity": 50,
    }
    return {name: NeedFactory(**base, **fields) for name, fields in variants.items()}


def _school_kit_offer(catalogue, **kwargs):
    offer = OfferFactory(
        title="Zaini e materiale scolastico",
        description="Offriamo zaini e quaderni per bambini.",
        quantity=50,
        **kwargs,
    )
    offer.areas.add(catalogue.areas["schools"])
    return offer


def test_same_nil_beats_same_municipio_beats_elsewhere(catalogue):
    nils = catalogue.nils
    needs = _twin_needs(
        catalogue,
        same_nil={"neighbourhood": nils["rogoredo"]},
        same_municipio={"neighbourhood": nils["corvetto"]},
        elsewhere={"neighbourhood": nils["gratosoglio"]},
    )
    offer = _school_kit_offer(catalogue)
    offer.neighbourhoods.add(nils["rogoredo"])

    ranking = ranked_need_ids(offer)

    assert [n for n in ranking if n in {x.pk for x in needs.values()}] == [
        needs["same_nil"].pk,
        needs["same_municipio"].pk,
        needs["elsewhere"].pk,
    ]


def test_a_city_wide_offer_ranks_between_same_municipio_and_elsewhere(catalogue):
    nils = catalogue.nils
    (need,) = _twin_needs(catalogue, n={"neighbourhood": nils["corvetto"]}).values()
    local = _school_kit_offer(catalogue)
    local.neighbourhoods.add(nils["rogoredo"])
    city_wide = _school_kit_offer(catalogue)
    far = _school_kit_offer(catalogue)
    far.neighbourhoods.add(nils["gratosoglio"])

    scores = {}
    for name, offer in {"local": local, "city_wide": city_wide, "far": far}.items():
        services.match_offer(offer=offer)
        scores[name] = Match.objects.get(offer=offer, need=need).score

    assert scores["local"] > scores["city_wide"] > scores["far"]


def test_a_stale_need_ranks_below_an_identical_fresh_one(catalogue):
    long_ago = timezone.now() - timedelta(days=200)
    needs = _twin_needs(
        catalogue,
        fresh={"last_reviewed_at": timezone.now()},
        stale={"last_reviewed_at": long_ago, "published_at": long_ago},
    )
    offer = _school_kit_offer(catalogue)

    ranking = ranked_need_ids(offer)

    assert ranking.index(needs["fresh"].pk) < ranking.index(needs["stale"].pk)
