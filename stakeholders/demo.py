"""Demo registry for ``make run``: Milan's URBACT local group and a few example companies.

The organisations of the local group and of the pilot actions come from the City of
Milan's CITIES4CSR Integrated Action Plan. Their tax codes are left blank (we do not invent
codes for real bodies); the member companies are fictional ("Esempio ...", marked as
examples) and carry made-up VAT numbers with a valid checksum. Every person is fictional
and has an example.org address. Idempotent: organisations are keyed by legal name,
contacts by e-mail, interactions by subject and date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from stdnum import luhn

from needs.models import InterventionArea, Municipio

from . import registry
from .models import ContactPerson, Interaction, Organisation, OrganisationMembership

MANAGER = "manager@example.org"
MANAGER_2 = "manager2@example.org"
STAKEHOLDER = "stakeholder@example.org"
EXAMPLE_NOTE = "Organizzazione di esempio: dati fittizi per la demo."


def example_vat_number(serial: int) -> str:
    """A fictional partita IVA with a valid checksum (province office 015, Milan)."""
    base = f"{9_000_000 + serial:07d}015"
    return base + luhn.calc_check_digit(base)


@dataclass(frozen=True)
class DemoContact:
    first_name: str
    last_name: str
    role: str
    email: str
    language: str = "it"


@dataclass(frozen=True)
class DemoOrganisation:
    legal_name: str
    kind: str
    description: str
    interests: tuple[str, ...] = ()
    website: str = ""
    vat_number: str = ""
    size: str = ""
    sector: str = ""
    local_group: bool = False
    focus_group: bool = False
    owner: str = ""
    member_of: tuple[str, ...] = ()
    municipi: tuple[int, ...] = ()
    allow_logo_use: bool = False
    allow_press: bool = False
    contacts: tuple[DemoContact, ...] = field(default_factory=tuple)


K = Organisation.Kind

DEMO_ORGANISATIONS = (
    DemoOrganisation(
        "Assolombarda",
        K.NETWORK,
        "L'associazione delle imprese della Lombardia: una rete di reti che raggiunge "
        "migliaia di aziende del territorio.",
        interests=("poverta-digitale", "scuole-svantaggiate", "economia-circolare"),
        website="https://www.assolombarda.it",
        size=Organisation.Size.LARGE,
        sector="Associazione di imprese",
        local_group=True,
        focus_group=True,
        owner=MANAGER,
        allow_logo_use=True,
        allow_press=True,
        contacts=(
            DemoContact("Giorgio", "Lombardi", "Responsabile CSR", "giorgio.lombardi@example.org"),
            DemoContact(
                "Silvia", "Marchetti", "Ufficio relazioni esterne", "silvia.marchetti@example.org"
            ),
        ),
    ),
    DemoOrganisation(
        "Fondazione Sodalitas",
        K.NETWORK,
        "L'iniziativa di Assolombarda dedicata alla responsabilità sociale d'impresa: "
        "rete di imprese impegnate nella sostenibilità.",
        interests=("poverta-digitale", "scuole-svantaggiate"),
        website="https://www.sodalitas.it",
        sector="Responsabilità sociale d'impresa",
        local_group=True,
        focus_group=True,
        owner=MANAGER,
        member_of=("Assolombarda",),
        allow_logo_use=True,
        contacts=(
            DemoContact(
                "Francesca", "Galbiati", "Project manager", "francesca.galbiati@example.org"
            ),
        ),
    ),
    DemoOrganisation(
        "Fondazione Bracco",
        K.FOUNDATION,
        "Fondazione d'impresa attiva in cultura, scienza e formazione; partner dei "
        'laboratori STEM "il cielo itinerante".',
        interests=("stem", "scuole-svantaggiate"),
        website="https://www.fondazionebracco.com",
        local_group=True,
        focus_group=True,
        owner=MANAGER,
        municipi=(4, 5),
        allow_press=True,
        contacts=(
            DemoContact(
                "Marta", "Colombo", "Responsabile progetti educativi", "marta.colombo@example.org"
            ),
        ),
    ),
    DemoOrganisation(
        "Fondazione Cariplo",
        K.FOUNDATION,
        "Fondazione filantropica che sostiene progetti sociali, culturali, ambientali e "
        "di ricerca; partner della raccolta di PC per la didattica e dei laboratori STEM.",
        interests=("poverta-digitale", "stem", "poverta-alimentare", "verde"),
        website="https://www.fondazionecariplo.it",
        size=Organisation.Size.LARGE,
        local_group=True,
        focus_group=True,
        owner=MANAGER_2,
        allow_logo_use=True,
        allow_press=True,
        contacts=(
            DemoContact("Luca", "Ferri", "Area servizi alla persona", "luca.ferri@example.org"),
            DemoContact("Elisa", "Sala", "Comunicazione", "elisa.sala@example.org", "en"),
        ),
    ),
    DemoOrganisation(
        "Fondazione Pellegrini",
        K.FOUNDATION,
        "La fondazione del Gruppo Pellegrini, attiva contro la povertà alimentare.",
        interests=("poverta-alimentare",),
        local_group=True,
        owner=MANAGER_2,
        contacts=(
            DemoContact("Paola", "Brambilla", "Segreteria generale", "paola.brambilla@example.org"),
        ),
    ),
    DemoOrganisation(
        "CSR Manager Network",
        K.NETWORK,
        "L'associazione dei professionisti della responsabilità sociale d'impresa: una "
        "rete di reti.",
        interests=("economia-circolare", "quartiere-15-minuti"),
        website="https://www.csrmanagernetwork.it",
        local_group=True,
        focus_group=True,
        owner=MANAGER,
        contacts=(DemoContact("Stefano", "Riva", "Coordinatore", "stefano.riva@example.org"),),
    ),
    DemoOrganisation(
        "Retake Milano",
        K.ASSOCIATION,
        "Associazione di cittadini attivi che cura e restituisce decoro agli spazi "
        "pubblici dei quartieri.",
        interests=("verde", "quartiere-15-minuti", "scuole-svantaggiate"),
        local_group=True,
        owner=MANAGER_2,
        contacts=(
            DemoContact("Davide", "Pozzi", "Referente volontari", "davide.pozzi@example.org"),
        ),
    ),
    DemoOrganisation(
        "Università degli Studi di Milano",
        K.UNIVERSITY,
        "La Statale: terza missione e public engagement dell'università.",
        interests=("stem", "scuole-svantaggiate"),
        website="https://www.unimi.it",
        size=Organisation.Size.LARGE,
        local_group=True,
        focus_group=True,
        owner=MANAGER,
        contacts=(
            DemoContact(
                "Chiara", "Fumagalli", "Ufficio public engagement", "chiara.fumagalli@example.org"
            ),
        ),
    ),
    DemoOrganisation(
        "Bloomberg Associates",
        K.COMPANY,
        "Società di consulenza filantropica; con il Comune ha elaborato la matrice di "
        "valutazione dell'impatto sociale.",
        local_group=True,
        owner=MANAGER,
        contacts=(DemoContact("Anna", "Walker", "Consultant", "anna.walker@example.org", "en"),),
    ),
    DemoOrganisation(
        "Fondazione Pasquinelli",
        K.FOUNDATION,
        'Fondazione partner dei laboratori STEM "il cielo itinerante" nelle scuole.',
        interests=("stem", "scuole-svantaggiate"),
        owner=MANAGER_2,
        contacts=(
            DemoContact("Roberto", "Villa", "Referente progetti", "roberto.villa@example.org"),
        ),
    ),
    DemoOrganisation(
        "Un muro in movimento",
        K.ASSOCIATION,
        "Associazione che realizza murales partecipati con le scuole: il murale di due "
        "giorni alla Scuola Sottocorno di Rogoredo.",
        interests=("scuole-svantaggiate", "quartiere-15-minuti"),
        municipi=(4,),
        owner=MANAGER_2,
        allow_logo_use=True,
        contacts=(DemoContact("Irene", "Gatti", "Presidente", "irene.gatti@example.org"),),
    ),
    DemoOrganisation(
        "Esempio Tech S.r.l.",
        K.COMPANY,
        f"Impresa informatica associata ad Assolombarda e Sodalitas. {EXAMPLE_NOTE}",
        interests=("poverta-digitale", "stem"),
        vat_number=example_vat_number(1),
        size=Organisation.Size.MEDIUM,
        sector="Informatica",
        member_of=("Assolombarda", "Fondazione Sodalitas"),
        owner=MANAGER,
        allow_logo_use=True,
        contacts=(DemoContact("Giulia", "Bianchi", "Responsabile sostenibilità", STAKEHOLDER),),
    ),
    DemoOrganisation(
        "Esempio Logistica S.p.A.",
        K.COMPANY,
        f"Impresa di logistica associata ad Assolombarda. {EXAMPLE_NOTE}",
        interests=("poverta-alimentare", "economia-circolare"),
        vat_number=example_vat_number(2),
        size=Organisation.Size.LARGE,
        sector="Trasporti e logistica",
        member_of=("Assolombarda",),
        contacts=(
            DemoContact(
                "Matteo", "Ricci", "HR e volontariato d'impresa", "matteo.ricci@example.org"
            ),
        ),
    ),
    DemoOrganisation(
        "Esempio Alimentari S.r.l.",
        K.COMPANY,
        f"Impresa alimentare della rete Sodalitas. {EXAMPLE_NOTE}",
        interests=("poverta-alimentare",),
        vat_number=example_vat_number(3),
        size=Organisation.Size.SMALL,
        sector="Alimentare",
        member_of=("Fondazione Sodalitas",),
        contacts=(DemoContact("Sara", "Longhi", "Titolare", "sara.longhi@example.org"),),
    ),
)


@dataclass(frozen=True)
class DemoInteraction:
    organisations: tuple[str, ...]
    kind: str
    # The plan's history keeps its real dates; a recent contact is counted back from the
    # day the demo is loaded (an int: days ago), so it stays recent.
    date: datetime.date | int
    subject: str
    notes: str
    staff: str = MANAGER

    def on(self, today: datetime.date) -> datetime.date:
        if isinstance(self.date, int):
            return today - datetime.timedelta(days=self.date)
        return self.date


LOCAL_GROUP = tuple(o.legal_name for o in DEMO_ORGANISATIONS if o.local_group)

DEMO_INTERACTIONS = (
    DemoInteraction(
        LOCAL_GROUP,
        Interaction.Kind.EVENT,
        datetime.date(2021, 10, 20),
        "Networking drink del gruppo locale",
        "Primo networking drink: circa 20 stakeholder esterni e 15 colleghi del Comune. "
        "Richiesta di incontri più frequenti e tematici (sociale, verde, scuole, periferie).",
    ),
    DemoInteraction(
        ("Fondazione Sodalitas", "Fondazione Cariplo", "Assolombarda"),
        Interaction.Kind.MEETING,
        datetime.date(2021, 3, 15),
        "Raccolta e rigenerazione di PC per la didattica",
        "Accordo su raccolta, rigenerazione e distribuzione dei dispositivi; il Comune mette "
        "a disposizione il magazzino e le consegne.",
    ),
    DemoInteraction(
        ("Un muro in movimento",),
        Interaction.Kind.MEETING,
        datetime.date(2021, 5, 20),
        "Murale alla Scuola Sottocorno (Rogoredo)",
        "Organizzazione del murale di due giorni nell'ambito del festival Play Streets.",
        staff=MANAGER_2,
    ),
    DemoInteraction(
        ("Fondazione Bracco", "Fondazione Pasquinelli", "Fondazione Cariplo"),
        Interaction.Kind.MEETING,
        datetime.date(2022, 1, 18),
        'Laboratori STEM "il cielo itinerante": sei scuole nel 2022',
        "Dopo i laboratori in 2 scuole (circa 100 alunni) si replica con 6 laboratori in 6 "
        "scuole non centrali.",
    ),
    DemoInteraction(
        ("Esempio Tech S.r.l.",),
        Interaction.Kind.CALL,
        57,
        "Disponibilità di portatili dismessi",
        "L'azienda può donare una ventina di portatili all'anno: da collegare ai fabbisogni "
        "di povertà digitale.",
    ),
)


@transaction.atomic
def load() -> list[Organisation]:
    """Create or refresh the demo organisations, contacts, consents and history."""
    users = {
        u.email: u
        for u in get_user_model().objects.filter(email__in=[MANAGER, MANAGER_2, STAKEHOLDER])
    }
    areas = {a.slug: a for a in InterventionArea.objects.all()}
    municipi = {m.number: m for m in Municipio.objects.all()}
    by_name: dict[str, Organisation] = {}
    for demo in DEMO_ORGANISATIONS:
        organisation = Organisation.objects.active().filter(legal_name=demo.legal_name).first()
        if organisation is None:
            organisation, _created = registry.resolve_organisation(
                legal_name=demo.legal_name,
                kind=demo.kind,
                vat_number=demo.vat_number,
                website=demo.website,
                source="demo",
            )
        organisation.kind = demo.kind
        organisation.description = demo.description
        organisation.website = demo.website
        organisation.email_domain = registry.organisation_domain(website=demo.website)
        organisation.size = demo.size
        organisation.sector = demo.sector
        organisation.local_group = demo.local_group
        organisation.focus_group = demo.focus_group
        organisation.allow_logo_use = demo.allow_logo_use
        organisation.allow_press = demo.allow_press
        organisation.relationship_owner = users.get(demo.owner)
        organisation.save()
        organisation.interests.set([areas[s] for s in demo.interests if s in areas])
        organisation.preferred_municipi.set([municipi[n] for n in demo.municipi if n in municipi])
        by_name[demo.legal_name] = organisation
        for index, person in enumerate(demo.contacts):
            contact, _ = ContactPerson.objects.update_or_create(
                organisation=organisation,
                email=person.email,
                defaults={
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "role": person.role,
                    "language": person.language,
                    "is_primary": index == 0,
                },
            )
            registry.give_consent(contact=contact, purpose="contact", source="demo")
            if demo.local_group or demo.focus_group:
                registry.give_consent(contact=contact, purpose="survey", source="demo")

    for demo in DEMO_ORGANISATIONS:
        by_name[demo.legal_name].member_of.add(*(by_name[n] for n in demo.member_of))

    today = timezone.localdate()
    for item in DEMO_INTERACTIONS:
        for name in item.organisations:
            organisation = by_name[name]
            # Keyed by subject: a relative date moves from one day to the next.
            if not Interaction.objects.filter(
                organisation=organisation, subject=item.subject
            ).exists():
                registry.record_interaction(
                    organisation=organisation,
                    kind=item.kind,
                    subject=item.subject,
                    date=item.on(today),
                    contact=organisation.contacts.first(),
                    notes=item.notes,
                    staff=users.get(item.staff),
                    actor=users.get(item.staff),
                )

    # The demo stakeholder (Giulia Bianchi) acts for the example company in /my/.
    stakeholder = users.get(STAKEHOLDER)
    if stakeholder is not None:
        OrganisationMembership.objects.get_or_create(
            user=stakeholder, organisation=by_name["Esempio Tech S.r.l."]
        )
    return list(by_name.values())
