"""A small hand-made catalogue of Milan needs and offers where the right match is known."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from needs.models import Need, ResourceKind
from tests.factories import (
    DepartmentFactory,
    InterventionAreaFactory,
    MunicipioFactory,
    NeedFactory,
    NeighbourhoodFactory,
    OfferFactory,
)


@dataclass
class Catalogue:
    areas: dict
    nils: dict
    needs: dict


def build_catalogue() -> Catalogue:
    education = DepartmentFactory(slug="educazione", name="Direzione Educazione")
    social = DepartmentFactory(slug="politiche-sociali", name="Direzione Welfare e Salute")
    areas = {
        slug: InterventionAreaFactory(slug=slug, name=name)
        for slug, name in [
            ("digital-poverty", "Povertà digitale"),
            ("schools", "Scuole in aree svantaggiate"),
            ("stem", "STEM"),
            ("food-poverty", "Povertà alimentare"),
            ("greening", "Verde urbano"),
        ]
    }
    m4 = MunicipioFactory(number=4, name="Municipio 4")
    m5 = MunicipioFactory(number=5, name="Municipio 5")
    nils = {
        "rogoredo": NeighbourhoodFactory(nil_id=37, official_name="ROGOREDO", municipio=m4),
        "corvetto": NeighbourhoodFactory(nil_id=36, official_name="CORVETTO", municipio=m4),
        "gratosoglio": NeighbourhoodFactory(nil_id=45, official_name="GRATOSOGLIO", municipio=m5),
    }
    expertise = ResourceKind.EXPERTISE
    specs = {
        "laptops": {
            "title": "PC portatile per alunni che studiano da casa",
            "description": "Gli alunni della scuola secondaria che seguono le lezioni da casa "
            "non hanno un computer: servono PC portatili con webcam.",
            "area": areas["digital-poverty"],
            "department": education,
            "quantity": 40,
            "unit": "PC",
        },
        "tablets": {
            "title": "Tablet per la didattica a distanza",
            "description": "Tablet con connessione dati per le famiglie con più figli in "
            "età scolare.",
            "area": areas["digital-poverty"],
            "department": education,
            "quantity": 25,
            "unit": "tablet",
        },
        "printer": {
            "title": "Stampante e toner per la segreteria del centro diurno",
            "description": "Una stampante laser e toner di ricambio per un anno.",
            "area": areas["digital-poverty"],
            "department": social,
            "quantity": 1,
            "unit": "stampante",
        },
        "food": {
            "title": "Pacchi alimentari per famiglie in difficoltà",
            "description": "Generi alimentari a lunga conservazione per l'emporio solidale.",
            "area": areas["food-poverty"],
            "department": social,
            "quantity": 500,
            "unit": "pacchi",
        },
        "trees": {
            "title": "Alberi e piante per il giardino della scuola",
            "description": "Alberi da frutto e arbusti per trasformare il cortile in un "
            "giardino didattico.",
            "area": areas["greening"],
            "department": education,
            "quantity": 30,
            "unit": "piante",
        },
        "mural": {
            "title": "Murale nel cortile della Scuola Sottocorno a Rogoredo",
            "description": "Due giornate di pittura murale con gli alunni durante il festival "
            "Play Streets: servono artisti che guidino i ragazzi.",
            "area": areas["schools"],
            "department": education,
            "resource_kind": expertise,
            "quantity": 2,
            "unit": "giornate",
        },
        "sky": {
            "title": "Laboratori STEM «cielo itinerante» nelle scuole primarie",
            "description": "Laboratori itineranti di astronomia per circa 100 alunni in due "
            "scuole, poi 6 laboratori in 6 scuole.",
            "area": areas["stem"],
            "department": education,
            "resource_kind": expertise,
            "quantity": 8,
            "unit": "laboratori",
        },
        "coding": {
            "title": "Corso di programmazione per ragazze delle medie",
            "description": "Un corso pomeridiano di coding con computer portatili messi a "
            "disposizione dalla scuola.",
            "area": areas["stem"],
            "department": education,
            "resource_kind": expertise,
            "quantity": 10,
            "unit": "incontri",
        },
        # Never to be matched: a draft, a need past its date, a covered one.
        "draft_laptops": {
            "title": "Computer portatili per la biblioteca di quartiere",
            "description": "Computer portatili da prestare agli utenti della biblioteca.",
            "area": areas["digital-poverty"],
            "department": education,
            "status": Need.Status.DRAFT,
            "quantity": 10,
        },
        "expired_laptops": {
            "title": "Computer portatili per il doposcuola",
            "description": "Computer portatili per i ragazzi del doposcuola.",
            "area": areas["digital-poverty"],
            "department": education,
            "wanted_by": timezone.localdate() - timedelta(days=1),
            "quantity": 10,
        },
        "covered_laptops": {
            "title": "Computer portatili per la scuola in ospedale",
            "description": "Computer portatili per gli alunni ricoverati.",
            "area": areas["digital-poverty"],
            "department": education,
            "status": Need.Status.COVERED,
            "quantity": 10,
            "quantity_open": 0,
        },
    }
    needs = {}
    for key, spec in specs.items():
        spec.setdefault("neighbourhood", nils["rogoredo"])
        needs[key] = NeedFactory(**spec)
    return Catalogue(areas=areas, nils=nils, needs=needs)


def laptop_offer(catalogue: Catalogue, **kwargs):
    fields = {
        "title": "Donazione di computer portatili",
        "description": "Doniamo 30 computer portatili ricondizionati, con software per la "
        "didattica, per gli studenti che seguono le lezioni a casa.",
        "resource_kind": ResourceKind.GOODS,
        "quantity": 30,
        "unit": "computer",
    }
    offer = OfferFactory(**{**fields, **kwargs})
    offer.areas.add(catalogue.areas["digital-poverty"])
    return offer


# Notebooks where the needs say "PC": one concept through the thesaurus.
NOTEBOOKS = {
    "title": "40 notebook ricondizionati",
    "description": "Notebook ricondizionati con sistema operativo, per studenti.",
    "quantity": 40,
}
