"""Text relevance with lemmas and the thesaurus: synonyms, plurals and English offers find
the need they were made for, and the explanation names the link."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from matching import engine, retrieval, services
from matching.models import Match
from needs.models import ResourceKind, ThesaurusGroup, ThesaurusTerm
from tests.factories import NeedFactory, OfferFactory

from .engine_catalogue import NOTEBOOKS

pytestmark = pytest.mark.django_db


@pytest.fixture
def needs(thesaurus):
    """Needs of the demo catalogue, as the issue tells them."""
    return {
        "pc": NeedFactory(
            title="40 PC per alunni che studiano da casa",
            description="Gli alunni della scuola secondaria seguono le lezioni da casa e non "
            "hanno un computer.",
            beneficiaries="Alunni della scuola secondaria",
            quantity=40,
        ),
        "food": NeedFactory(
            title="Pacchi alimentari per famiglie in difficoltà",
            description="Il Comune distribuisce pacchi di generi alimentari alle famiglie "
            "seguite dai servizi sociali.",
            beneficiaries="Famiglie in difficoltà",
            quantity=200,
        ),
        "racks": NeedFactory(
            title="Rastrelliere per biciclette davanti alla scuola",
            description="Rastrelliere per le bici degli studenti.",
            beneficiaries="Studenti",
            quantity=10,
        ),
        "mural": NeedFactory(
            title="Murale di due giorni alla Scuola Sottocorno",
            description="Dipingere il muro del cortile con gli alunni.",
            beneficiaries="Alunni",
            quantity=1,
            resource_kind=ResourceKind.VOLUNTEERING,
        ),
    }


def relevance(offer) -> dict[int, tuple[float, tuple[str, ...]]]:
    """need id -> (text relevance, thesaurus links), for every candidate of the offer."""
    rows = retrieval.offer_candidates(offer_id=offer.pk, today=timezone.localdate())
    return {
        r.candidate.need_id: (engine.text_relevance(r.candidate), r.candidate.links) for r in rows
    }


def offered(**fields) -> dict[int, tuple[float, tuple[str, ...]]]:
    """The relevance of each candidate need to a new offer with these fields."""
    return relevance(OfferFactory(**fields))


def test_notebook_offer_gives_the_pc_need_a_strong_text_relevance_and_names_the_link(needs):
    found = offered(**NOTEBOOKS)

    value, links = found[needs["pc"].pk]
    assert value >= 0.4
    assert any(link.startswith("notebook ≈ ") for link in links)
    assert value > max(v for pk, (v, _) in found.items() if pk != needs["pc"].pk)


def test_an_english_offer_of_laptops_finds_the_italian_need_for_pcs(needs):
    offer = OfferFactory(
        title="Refurbished laptops for pupils",
        description="We can donate 40 refurbished laptops with webcam.",
        quantity=40,
    )

    matches = services.match_offer(offer=offer, route=False)

    assert matches and matches[0].need_id == needs["pc"].pk
    parts = Match.objects.get(pk=matches[0].pk).score_parts
    # One of the title's two concepts is covered (laptops, not "refurbished"): the idf
    # share says so, a little below the 0.4 of a title covered in full.
    assert parts["relevance"] >= 0.35
    [text] = [p for p in parts["parts"] if p["key"] == "text"]
    assert text["params"]["links"] == "laptop ≈ PC"
    with translation.override("it"):
        [line] = [p for p in engine.describe(parts) if p["key"] == "text"]
    assert "laptop ≈ PC" in line["reason"]


def test_pasta_and_pulses_rank_the_food_parcels_above_the_pcs(needs):
    found = offered(
        title="Pasta e legumi",
        description="Cento chili di pasta e legumi secchi per le famiglie.",
        quantity=100,
    )

    assert found[needs["food"].pk][0] > found.get(needs["pc"].pk, (0.0, ()))[0]
    assert found[needs["food"].pk][0] >= 0.4


def test_fresh_fruit_for_schools_does_not_prefer_bicycle_racks(needs):
    found = offered(
        title="Frutta fresca per le scuole",
        description="Cassette di frutta fresca di stagione per la merenda degli alunni.",
        quantity=50,
    )

    assert all(value < 0.1 for value, _ in found.values())


def test_unrelated_texts_have_no_text_relevance(needs):
    found = offered(title="50 sedie per aule studio", description="Sedie impilabili.")

    assert all(value < 0.1 for value, _ in found.values())


def test_murales_offer_finds_the_murale_need(needs):
    found = offered(
        title="Murales con i ragazzi",
        description="Un artista di street art dipinge murales con gli studenti.",
        resource_kind=ResourceKind.VOLUNTEERING,
    )

    assert found[needs["mural"].pk][0] >= 0.4


def test_a_thesaurus_edit_takes_effect_for_matching_at_once(needs):
    need = NeedFactory(title="Monopattini elettrici per gli educatori", quantity=5)
    offer = OfferFactory(title="Five e-scooters", description="Electric scooters.", quantity=5)
    assert need.pk not in relevance(offer)

    group = ThesaurusGroup.objects.create(key="monopattini", name="Monopattini")
    ThesaurusTerm.objects.create(group=group, term="monopattino")
    ThesaurusTerm.objects.create(group=group, term="scooter", language="en")
    ThesaurusTerm.objects.create(group=group, term="e-scooter", language="en")

    value, links = relevance(offer)[need.pk]
    assert value > 0.3
    assert links


def test_a_new_need_finds_an_offer_written_with_a_synonym(needs):
    offer = OfferFactory(
        title="Laptop ricondizionati",
        description="Trenta laptop con webcam per la didattica.",
        quantity=30,
    )

    rows = retrieval.need_candidates(need_id=needs["pc"].pk, today=timezone.localdate())

    [row] = [r for r in rows if r.candidate.offer_id == offer.pk]
    assert engine.text_relevance(row.candidate) >= 0.4
    assert row.candidate.links == ("laptop ≈ PC",)
