"""Demo offers for ``make run``, sent through the real intake service (``submit_offer``).

Runs after the demo organisations and needs: the example companies (fictional, with
made-up VAT numbers) offer help for some of the pilot needs, and one new cooperative offers
help without naming a need. Idempotent: each offer has a fixed idempotency key, so a second
run returns the offers it created the first time.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.utils import timezone

from needs.models import InterventionArea, Need, ResourceKind

from . import offers
from .demo import example_vat_number
from .models import ContactPerson, Offer, Organisation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoOffer:
    key: str
    legal_name: str
    email: str
    resource_kind: str
    title: str
    description: str
    quantity: int
    unit: str
    areas: tuple[str, ...]
    need_title: str = ""
    kind: str = Organisation.Kind.COMPANY
    vat_number: str = ""  # for an organisation the registry does not know yet
    first_name: str = ""
    last_name: str = ""
    available_days: int = 120
    allow_press: bool = False


DEMO_OFFERS = (
    DemoOffer(
        key="demo-offer-esempio-tech-laptops",
        legal_name="Esempio Tech S.r.l.",
        email="stakeholder@example.org",
        resource_kind=ResourceKind.GOODS,
        title="20 portatili rigenerati con webcam",
        description=(
            "Portatili aziendali dismessi, rigenerati dal nostro reparto IT: Windows 11, "
            "webcam, alimentatore e un anno di assistenza. Consegna al magazzino comunale."
        ),
        quantity=20,
        unit="portatili",
        areas=("poverta-digitale",),
        need_title="40 PC per alunni che studiano da casa",
    ),
    DemoOffer(
        key="demo-offer-esempio-logistica-hubs",
        legal_name="Esempio Logistica S.p.A.",
        email="matteo.ricci@example.org",
        resource_kind=ResourceKind.EXPERTISE,
        title="Consulenza sui flussi di magazzino degli hub alimentari",
        description=(
            "Due nostri logistici possono affiancare gli hub per analizzare ricevimento, "
            "stoccaggio e distribuzione, con un piano di miglioramento finale."
        ),
        quantity=40,
        unit="ore di consulenza",
        areas=("poverta-alimentare",),
        need_title="Consulenza logistica pro bono per gli hub alimentari",
        allow_press=True,
    ),
    DemoOffer(
        key="demo-offer-esempio-alimentari-parcels",
        legal_name="Esempio Alimentari S.r.l.",
        email="sara.longhi@example.org",
        resource_kind=ResourceKind.GOODS,
        title="Pacchi alimentari con prodotti a lunga conservazione",
        description="Pasta, legumi, conserve e olio: cento pacchi al mese per tre mesi.",
        quantity=100,
        unit="pacchi alimentari",
        areas=("poverta-alimentare",),
        need_title="Pacchi alimentari per famiglie in difficoltà",
    ),
    DemoOffer(
        key="demo-offer-cooperativa-verde-volunteers",
        legal_name="Cooperativa Esempio Verde",
        kind=Organisation.Kind.THIRD_SECTOR,
        vat_number=example_vat_number(900),
        email="info@cooperativa-esempio-verde.example",
        first_name="Tommaso",
        last_name="Gentile",
        resource_kind=ResourceKind.VOLUNTEERING,
        title="Squadra di volontari per piantumazioni",
        description=(
            "Dieci volontari con attrezzi propri, disponibili il sabato mattina per piantare "
            "alberi e arbusti in scuole e giardini di quartiere."
        ),
        quantity=10,
        unit="volontari",
        areas=("verde",),
    ),
)


def load() -> list[Offer]:
    """Send the demo offers through ``submit_offer`` (skipping any whose data is missing)."""
    today = timezone.localdate()
    areas = {area.slug: area for area in InterventionArea.objects.all()}
    created = []
    for demo in DEMO_OFFERS:
        organisation = Organisation.objects.active().filter(legal_name=demo.legal_name).first()
        contact = (
            ContactPerson.objects.filter(organisation=organisation, email=demo.email).first()
            if organisation
            else None
        )
        if organisation is None and not demo.vat_number:
            logger.warning("demo offer %s: load stakeholders.demo first", demo.key)
            continue
        need = (
            Need.objects.published().filter(title=demo.need_title).first()
            if demo.need_title
            else None
        )
        data = {
            "legal_name": demo.legal_name,
            "kind": organisation.kind if organisation else demo.kind,
            "tax_code": organisation.tax_code if organisation else "",
            "vat_number": organisation.vat_number if organisation else demo.vat_number,
            "website": "",
            "first_name": contact.first_name if contact else demo.first_name,
            "last_name": contact.last_name if contact else demo.last_name,
            "role": contact.role if contact else "",
            "email": demo.email,
            "phone": "",
            "language": "it",
            "resource_kind": demo.resource_kind,
            "title": demo.title,
            "description": demo.description,
            "quantity": demo.quantity,
            "unit": demo.unit,
            "areas": [areas[slug] for slug in demo.areas if slug in areas],
            "municipi": [],
            "neighbourhoods": [],
            "available_from": today,
            "available_until": today + datetime.timedelta(days=demo.available_days),
            "allow_logo_use": True,
            "allow_press": demo.allow_press,
            "allow_social": False,
            "need": need,
            "consent_contact": True,
            "consent_survey": True,
        }
        offer, _new = offers.submit_offer(
            data=data, idempotency_key=demo.key, actor=None, client_ip="", source="demo"
        )
        created.append(offer)
    return created
