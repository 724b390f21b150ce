"""Demo data for ``make run``: Milan's reference data and needs from the plan's pilot actions.

The needs follow the CITIES4CSR Integrated Action Plan of the City of Milan (laptops for
pupils studying from home, the mural at Scuola Sottocorno in Rogoredo, the "travelling
sky" STEM labs) plus a few more typical ones. Idempotent: needs are keyed by title.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from contactpoint.demo import DEMO_USERS

from . import language, reference
from .models import Department, InterventionArea, Need, Neighbourhood, ResourceKind

# Every department of the reference data has a demo member (contactpoint.demo.DEMO_USERS).
DEMO_DEPARTMENT_MEMBERS = {user.email: user.department for user in DEMO_USERS if user.department}


def load_reference() -> None:
    """Milan's Municipi, 88 NIL, departments and intervention areas from needs/data/."""
    reference.load_reference_data()


@dataclass(frozen=True)
class DemoNeed:
    title: str
    description: str
    department: str  # slug
    area: str  # slug
    resource_kind: str
    quantity: int
    unit: str
    beneficiaries: str
    beneficiaries_count: int | None
    nil_id: int | None
    wanted_in_days: int  # from the day the demo is loaded: the demo never expires
    priority: int = Need.Priority.NORMAL
    status: str = Need.Status.PUBLISHED
    quantity_open: int | None = None  # None: all still open
    school: str = ""
    address: str = ""
    reviewed_days_ago: int = 5


DEMO_NEEDS = (
    DemoNeed(
        title="40 PC per alunni che studiano da casa",
        description=(
            "Molti alunni delle scuole primarie non hanno un computer per seguire le lezioni "
            "e fare i compiti da casa. Cerchiamo PC portatili o fissi, anche usati purché "
            "rigenerati, con sistema operativo e webcam. Il Comune li ritira, li conserva nel "
            "proprio magazzino e li consegna alle famiglie segnalate dalle scuole."
        ),
        department="educazione",
        area="poverta-digitale",
        resource_kind=ResourceKind.GOODS,
        quantity=40,
        quantity_open=25,
        unit="PC",
        beneficiaries="Alunni delle scuole primarie senza un computer a casa",
        beneficiaries_count=40,
        nil_id=76,
        wanted_in_days=75,
        priority=Need.Priority.HIGH,
        status=Need.Status.PARTIALLY_COVERED,
    ),
    DemoNeed(
        title="Murale di due giorni alla Scuola Sottocorno",
        description=(
            "Nell'ambito del festival Play Streets vogliamo trasformare la facciata della "
            "Scuola Sottocorno a Rogoredo con un murale dipinto in due giornate insieme ad "
            "alunni e famiglie. Servono artisti o un'associazione che coordini il lavoro, "
            "oltre a vernici e attrezzature."
        ),
        department="educazione",
        area="scuole-svantaggiate",
        resource_kind=ResourceKind.EXPERTISE,
        quantity=2,
        unit="giornate di lavoro artistico",
        beneficiaries="Alunni e famiglie della scuola primaria",
        beneficiaries_count=250,
        nil_id=33,
        school="Scuola primaria Sottocorno",
        wanted_in_days=179,
        priority=Need.Priority.HIGH,
    ),
    DemoNeed(
        title="Il cielo itinerante: laboratori STEM in sei scuole",
        description=(
            "Dopo il successo dei primi laboratori con circa 100 alunni, vogliamo portare "
            '"il cielo itinerante" in sei scuole primarie non centrali: laboratori pratici e '
            "interattivi su stelle, pianeti e sistema solare, uno per scuola. Cerchiamo "
            "fondazioni, università o imprese che curino contenuti, strumenti e formatori."
        ),
        department="educazione",
        area="stem",
        resource_kind=ResourceKind.EXPERTISE,
        quantity=6,
        unit="laboratori",
        beneficiaries="Alunni delle scuole primarie di periferia",
        beneficiaries_count=300,
        nil_id=None,
        school="Sei scuole primarie non centrali",
        wanted_in_days=149,
    ),
    DemoNeed(
        title="Pacchi alimentari per famiglie in difficoltà",
        description=(
            "Le famiglie seguite dai servizi sociali del quartiere hanno bisogno di pacchi "
            "alimentari con prodotti freschi e a lunga conservazione. Cerchiamo donazioni di "
            "alimenti o fondi per acquistarli, consegnati all'hub di quartiere."
        ),
        department="politiche-sociali",
        area="poverta-alimentare",
        resource_kind=ResourceKind.GOODS,
        quantity=500,
        unit="pacchi alimentari",
        beneficiaries="Famiglie con bambini seguite dai servizi sociali",
        beneficiaries_count=180,
        nil_id=35,
        wanted_in_days=60,
        priority=Need.Priority.URGENT,
    ),
    DemoNeed(
        title="Strada gioco davanti alla scuola nel quartiere dei 15 minuti",
        description=(
            "Una via chiusa al traffico davanti alla scuola diventa ogni venerdì pomeriggio "
            "una strada gioco. Servono arredi mobili, giochi da strada e segnaletica, per un "
            "valore stimato di 8.000 euro."
        ),
        department="piano-quartieri",
        area="quartiere-15-minuti",
        resource_kind=ResourceKind.FUNDING,
        quantity=8000,
        unit="euro",
        beneficiaries="Bambini e famiglie del quartiere",
        beneficiaries_count=400,
        nil_id=20,
        wanted_in_days=119,
    ),
    DemoNeed(
        title="Giardino scolastico da piantare con gli alunni",
        description=(
            "Il cortile asfaltato della scuola diventerà un giardino con alberi, arbusti e un "
            "orto didattico. Cerchiamo piante, terriccio e l'aiuto di un vivaio o di "
            "un'impresa del verde per la progettazione."
        ),
        department="citta-resilienti",
        area="verde",
        resource_kind=ResourceKind.GOODS,
        quantity=30,
        unit="alberi e arbusti",
        beneficiaries="Alunni della scuola primaria",
        beneficiaries_count=320,
        nil_id=57,
        wanted_in_days=103,
    ),
    DemoNeed(
        title="Riparatori volontari per un repair café di quartiere",
        description=(
            "Un sabato al mese, in biblioteca, i cittadini portano piccoli elettrodomestici, "
            "biciclette e vestiti da riparare. Cerchiamo volontari con competenze di "
            "elettronica, sartoria e meccanica."
        ),
        department="citta-resilienti",
        area="economia-circolare",
        resource_kind=ResourceKind.VOLUNTEERING,
        quantity=10,
        unit="volontari",
        beneficiaries="Abitanti del quartiere",
        beneficiaries_count=None,
        nil_id=14,
        wanted_in_days=210,
        priority=Need.Priority.LOW,
    ),
    DemoNeed(
        title="Consulenza logistica pro bono per gli hub alimentari",
        description=(
            "Gli hub di quartiere contro lo spreco alimentare raccolgono eccedenze da "
            "supermercati e mense. Cerchiamo un'impresa che offra ore di consulenza per "
            "ottimizzare ritiri, magazzino e consegne."
        ),
        department="politiche-sociali",
        area="poverta-alimentare",
        resource_kind=ResourceKind.EXPERTISE,
        quantity=80,
        unit="ore di consulenza",
        beneficiaries="Reti degli hub di quartiere",
        beneficiaries_count=None,
        nil_id=None,
        wanted_in_days=134,
    ),
    DemoNeed(
        title="Spazi per il doposcuola",
        description=(
            "Cerchiamo aule o sale vicine alla scuola, disponibili dal lunedì al venerdì "
            "dalle 14 alle 18, per un doposcuola gratuito con educatori del terzo settore."
        ),
        department="educazione",
        area="scuole-svantaggiate",
        resource_kind=ResourceKind.SPACES,
        quantity=3,
        unit="aule",
        beneficiaries="Alunni delle scuole primarie e medie",
        beneficiaries_count=60,
        nil_id=76,
        wanted_in_days=273,
    ),
    DemoNeed(
        title="Volontari per il tutoraggio digitale degli anziani",
        description=(
            "Molti anziani non riescono a usare i servizi online del Comune. Cerchiamo "
            "volontari aziendali per sportelli di aiuto digitale, due ore alla settimana, "
            "nelle sedi del Municipio."
        ),
        department="politiche-sociali",
        area="poverta-digitale",
        resource_kind=ResourceKind.VOLUNTEERING,
        quantity=25,
        unit="volontari",
        beneficiaries="Persone anziane del quartiere",
        beneficiaries_count=200,
        nil_id=46,
        wanted_in_days=180,
        reviewed_days_ago=90,  # stale: nobody confirmed it lately
    ),
    DemoNeed(
        title="Volontari per il festival Play Streets a Rogoredo",
        description=(
            "Per le giornate del festival Play Streets servono volontari per animazione, "
            "accoglienza e sicurezza delle strade chiuse al traffico."
        ),
        department="piano-quartieri",
        area="quartiere-15-minuti",
        resource_kind=ResourceKind.VOLUNTEERING,
        quantity=20,
        unit="volontari",
        beneficiaries="Bambini e famiglie di Rogoredo e Santa Giulia",
        beneficiaries_count=500,
        nil_id=33,
        wanted_in_days=195,
    ),
    DemoNeed(
        title="SIM dati per famiglie senza connessione",
        description=(
            "Alcune famiglie hanno ricevuto un computer ma non hanno una connessione a "
            "internet. Cerchiamo SIM dati prepagate con almeno 12 mesi di traffico."
        ),
        department="educazione",
        area="poverta-digitale",
        resource_kind=ResourceKind.GOODS,
        quantity=100,
        unit="SIM dati",
        beneficiaries="Famiglie di alunni delle scuole primarie",
        beneficiaries_count=100,
        nil_id=None,
        wanted_in_days=88,
        status=Need.Status.DRAFT,
    ),
)


@transaction.atomic
def load_needs() -> None:
    """The demo needs, and the demo department user made a member of Education."""
    User = get_user_model()
    for email, slug in DEMO_DEPARTMENT_MEMBERS.items():
        user = User.objects.filter(username=email).first()
        if user is not None:
            department = Department.objects.filter(slug=slug).first()
            if department is not None:  # another city's reference data has other departments
                department.members.add(user)

    departments = {d.slug: d for d in Department.objects.all()}
    areas = {a.slug: a for a in InterventionArea.objects.all()}
    neighbourhoods = {n.nil_id: n for n in Neighbourhood.objects.all()}
    now = timezone.now()
    today = timezone.localdate()
    for demo in DEMO_NEEDS:
        public = demo.status in Need.PUBLIC_STATUSES
        lemmas = language.need_lemmas(
            title=demo.title,
            description=demo.description,
            beneficiaries=demo.beneficiaries,
            school=demo.school,
        )
        Need.objects.update_or_create(
            title=demo.title,
            defaults={
                "description": demo.description,
                "department": departments[demo.department],
                "area": areas[demo.area],
                "resource_kind": demo.resource_kind,
                "quantity": demo.quantity,
                "quantity_open": demo.quantity
                if demo.quantity_open is None
                else demo.quantity_open,
                "unit": demo.unit,
                "beneficiaries": demo.beneficiaries,
                "beneficiaries_count": demo.beneficiaries_count,
                "neighbourhood": neighbourhoods[demo.nil_id] if demo.nil_id else None,
                "school": demo.school,
                "address": demo.address,
                "priority": demo.priority,
                "wanted_by": today + datetime.timedelta(days=demo.wanted_in_days),
                "status": demo.status,
                "published_at": now - datetime.timedelta(days=demo.reviewed_days_ago)
                if public
                else None,
                "last_reviewed_at": now - datetime.timedelta(days=demo.reviewed_days_ago),
                "title_lemmas": lemmas.title_lemmas,
                "text_lemmas": lemmas.text_lemmas,
            },
        )
