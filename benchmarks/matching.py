"""Matching benchmark: ``make bench`` (or ``python -m benchmarks``).

Synthetic Milan-like data (the 88 NIL and 9 Municipi of ``needs/data``, the 7 intervention
areas, 5 resource kinds, Italian titles and descriptions built from word lists) at 1k, 10k
and 100k published needs, in a separate database (``contactpoint_bench`` on the same server,
embedded or ``DATABASE_URL``) so development data is never touched. The database is kept
between runs and only grown (or rebuilt when the data recipe changes).

At each scale it measures, in the same run:

(a) matching one new offer (``services.match_offer``: retrieval, scoring, writing the
    matches and the audit entry, commit; routing off), median and p95 over 200 offers,
    against a baseline: one plain SQL full-text query over the same table with the same
    filters (published, same kind, open quantity, not past its date), the same OR query of
    the offer's words, ``ORDER BY ts_rank_cd LIMIT 20``;
(b) re-matching 1,000 offers (``services.rematch_offers``) that already have their matches;
(c) queries per offer.

Figures go to ``var/bench/matching.json`` and a table is printed.
``BENCH_MATCHING_SCALES=1000,10000`` picks other scales.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks.common import summary, write_report

# Another name (``BENCH_DATABASE``) keeps benchmarks of several checkouts on one server apart.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "contactpoint_bench")
# Change when the data recipe changes: the benchmark database is then rebuilt.
RECIPE = "matching-v2"  # v2: lemma columns
SCALES = (1_000, 10_000, 100_000)
TIMED_OFFERS = 200
ROUTED_OFFERS = 30
NAIVE_OFFERS = 20
REMATCH_OFFERS = 1_000
WARMUP = 10
BATCH = 5_000
SEED = 20261125

# --- Word lists -------------------------------------------------------------------------

AREA_WORDS: dict[str, list[str]] = {
    "poverta-alimentare": [
        "pacchi alimentari",
        "pasti caldi",
        "frutta e verdura fresca",
        "generi alimentari",
        "latte in polvere",
        "prodotti per l'infanzia",
        "buoni spesa",
        "cene solidali",
        "merende sane",
        "pane fresco",
        "eccedenze alimentari",
        "cucina attrezzata",
        "frigoriferi",
        "furgone refrigerato",
        "olio e pasta",
        "colazioni a scuola",
    ],
    "poverta-digitale": [
        "computer portatili",
        "tablet",
        "PC fissi",
        "connessione internet",
        "router wifi",
        "stampanti",
        "lavagne interattive",
        "corsi di informatica",
        "schede SIM con dati",
        "monitor",
        "software didattico",
        "alfabetizzazione digitale",
        "webcam e cuffie",
        "smartphone ricondizionati",
        "aula informatica",
        "assistenza tecnica",
    ],
    "quartiere-15-minuti": [
        "panchine",
        "rastrelliere per biciclette",
        "piazza pedonale",
        "portineria di quartiere",
        "spazi di coworking",
        "orti condivisi",
        "biblioteca di condominio",
        "percorsi pedonali sicuri",
        "illuminazione pubblica",
        "mercato rionale",
        "servizi di prossimità",
        "casa di quartiere",
        "ludoteca",
        "sportello per anziani",
        "bike sharing",
        "area giochi",
    ],
    "scuole-svantaggiate": [
        "murale",
        "tinteggiatura delle aule",
        "arredi scolastici",
        "palestra",
        "cortile",
        "biblioteca scolastica",
        "laboratorio artistico",
        "giochi per il giardino",
        "banchi e sedie",
        "doposcuola",
        "tutor per i compiti",
        "strumenti musicali",
        "teatro a scuola",
        "mensa scolastica",
        "gite didattiche",
        "sportello psicologico",
    ],
    "verde": [
        "alberi da frutto",
        "aiuole fiorite",
        "giardino condiviso",
        "orto didattico",
        "fioriere",
        "pulizia dei parchi",
        "tetti verdi",
        "piante ornamentali",
        "compostiera",
        "impianto di irrigazione",
        "siepi",
        "prato fiorito",
        "forestazione urbana",
        "cura del verde",
        "attrezzi da giardinaggio",
        "serra",
    ],
    "stem": [
        "laboratori di robotica",
        "corsi di coding",
        "kit di elettronica",
        "telescopi",
        "laboratorio di astronomia",
        "stampante 3D",
        "microscopi",
        "esperimenti di chimica",
        "planetario mobile",
        "mentori STEM",
        "olimpiadi di matematica",
        "visite ai laboratori universitari",
        "cielo itinerante",
        "fisica in piazza",
        "droni didattici",
        "scienza per ragazze",
    ],
    "economia-circolare": [
        "raccolta differenziata",
        "riparazione di biciclette",
        "abiti usati",
        "mobili ricondizionati",
        "riuso di materiali",
        "laboratorio di riparazione",
        "compostaggio",
        "borracce riutilizzabili",
        "imballaggi sostenibili",
        "baratto",
        "recupero di elettrodomestici",
        "cassonetti intelligenti",
        "sartoria sociale",
        "riciclo creativo",
        "banco del riuso",
        "giocattoli usati",
    ],
}
BENEFICIARIES = [
    "alunni della scuola primaria",
    "studenti delle medie",
    "ragazzi delle superiori",
    "anziani soli",
    "famiglie fragili",
    "persone senza dimora",
    "giovani NEET",
    "donne in difficoltà",
    "bambini da 0 a 6 anni",
    "persone con disabilità",
    "nuovi cittadini",
    "residenti del quartiere",
    "insegnanti",
    "genitori",
    "studentesse",
]
NEED_SENTENCES = [
    "Il progetto è seguito dalla direzione insieme al Municipio.",
    "Le attività si svolgono nel pomeriggio, dopo la scuola.",
    "L'iniziativa coinvolge le associazioni del territorio.",
    "La consegna può avvenire presso il magazzino comunale.",
    "Serve un referente che coordini i volontari.",
    "Il bisogno è emerso dal tavolo di quartiere.",
    "Le famiglie sono seguite dai servizi sociali.",
    "È previsto un evento pubblico di restituzione.",
    "La scuola si trova in un'area con forte dispersione scolastica.",
    "I locali sono accessibili e al piano terra.",
]
OFFER_OPENINGS = [
    "La nostra azienda mette a disposizione",
    "Offriamo gratuitamente",
    "Il nostro gruppo di dipendenti può donare",
    "La fondazione finanzia",
    "Siamo un'associazione che può fornire",
    "L'università propone",
]
OFFER_SENTENCES = [
    "Possiamo iniziare entro un mese.",
    "Ci piacerebbe coinvolgere i nostri dipendenti.",
    "Chiediamo di poter comunicare la collaborazione sui nostri canali.",
    "Abbiamo già collaborato con scuole e associazioni di Milano.",
    "Preferiamo progetti nelle periferie.",
    "Il materiale è nuovo o ricondizionato.",
]
UNITS = {
    "goods": "pezzi",
    "funding": "euro",
    "expertise": "giornate",
    "volunteering": "ore",
    "spaces": "giorni",
}
KINDS = ["goods"] * 4 + ["volunteering"] * 2 + ["expertise"] * 2 + ["funding", "spaces"]


# --- The benchmark database ---------------------------------------------------------------


@contextmanager
def bench_database(name: str = BENCH_DATABASE) -> Iterator[None]:
    """Point the default connection at ``name`` (created on the same server if missing),
    migrate it, and point it back afterwards: development data is never touched."""
    conn = connections["default"]
    original = conn.settings_dict["NAME"]
    conn.close()
    with conn._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.settings_dict["NAME"] = name
    ContentType.objects.clear_cache()
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    finally:
        conn.close()
        conn.settings_dict["NAME"] = original
        ContentType.objects.clear_cache()


def _state() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_state (key text PRIMARY KEY, value text NOT NULL)"
        )
        cursor.execute("SELECT key, value FROM bench_state")
        return dict(cursor.fetchall())


def _set_state(**values: Any) -> None:
    with connection.cursor() as cursor:
        for key, value in values.items():
            cursor.execute(
                "INSERT INTO bench_state (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, str(value)],
            )


def _reset_database() -> None:
    """Empty every table of the benchmark database (a new recipe)."""
    from django.apps import apps

    tables = [m._meta.db_table for m in apps.get_models() if m._meta.managed]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        names = ", ".join(f'"{t}"' for t in tables if t in existing)
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        cursor.execute("TRUNCATE bench_state")


# --- Synthetic data ---------------------------------------------------------------------


class World:
    """Reference data and organisations shared by every scale."""

    def __init__(self, rng: random.Random) -> None:
        from needs.models import Department, InterventionArea, Neighbourhood

        self.rng = rng
        self.areas = {a.slug: a for a in InterventionArea.objects.all()}
        self.departments = list(Department.objects.all())
        self.nils = list(Neighbourhood.objects.order_by("nil_id"))
        self.nil_municipi: dict[int, list[int]] = {}
        for nil in self.nils:
            self.nil_municipi[nil.pk] = list(nil.municipi.values_list("pk", flat=True))
        self.area_slugs = [slug for slug in AREA_WORDS if slug in self.areas]


def load_reference(rng: random.Random) -> None:
    from needs.models import Department, InterventionArea, Municipio, Neighbourhood

    try:
        from needs import reference
    except ImportError:  # the needs app's loader is missing: 88 NIL over 9 Municipi
        reference = None  # type: ignore[assignment]
    if reference is not None:
        reference.load_reference_data()
    else:
        municipi = [
            Municipio.objects.get_or_create(number=n, defaults={"name": f"Municipio {n}"})[0]
            for n in range(1, 10)
        ]
        for i in range(1, 89):
            nil, _ = Neighbourhood.objects.get_or_create(
                nil_id=i,
                defaults={
                    "official_name": f"NIL {i}",
                    "name": f"Nil {i}",
                    "municipio": municipi[(i - 1) % 9],
                    "lat": "45.46",
                    "lon": "9.19",
                },
            )
            nil.municipi.add(nil.municipio)
        for slug in ("educazione", "politiche-sociali", "citta-resilienti", "piano-quartieri"):
            Department.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    for slug in AREA_WORDS:
        InterventionArea.objects.get_or_create(slug=slug, defaults={"name": slug})


def create_organisations(world: World, count: int = 400) -> list[Any]:
    from stakeholders.models import Organisation

    rng = world.rng
    kinds = [k for k, _ in Organisation.Kind.choices]
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(kind=rng.choice(kinds), legal_name=f"Organizzazione Bench {i}")
            for i in range(count)
        ]
    )
    Interests = Organisation.interests.through
    Municipi = Organisation.preferred_municipi.through
    interests, municipi = [], []
    for org in orgs:
        for slug in rng.sample(world.area_slugs, rng.randint(1, 2)):
            interests.append(
                Interests(organisation_id=org.pk, interventionarea_id=world.areas[slug].pk)
            )
        if rng.random() < 0.3:
            nil = rng.choice(world.nils)
            municipi.append(Municipi(organisation_id=org.pk, municipio_id=nil.municipio_id))
    Interests.objects.bulk_create(interests)
    Municipi.objects.bulk_create(municipi)
    return orgs


def _need(world: World, index: int, today, now) -> Any:
    from needs import language
    from needs.models import Need

    rng = world.rng
    slug = rng.choice(world.area_slugs)
    words = AREA_WORDS[slug]
    item, other = rng.sample(words, 2)
    beneficiaries = rng.choice(BENEFICIARIES)
    nil = rng.choice(world.nils) if rng.random() < 0.85 else None
    where = f" a {nil.name}" if nil is not None and rng.random() < 0.5 else ""
    title = rng.choice(
        [
            f"{item.capitalize()} per {beneficiaries}{where}",
            f"Servono {item}{where}",
            f"{item.capitalize()} e {other}",
            f"{item.capitalize()} per il progetto {other}",
        ]
    )
    description = " ".join(
        [
            f"Cerchiamo {item} per {beneficiaries}.",
            f"Utili anche {other}.",
            *rng.sample(NEED_SENTENCES, 2),
        ]
    )
    kind = rng.choice(KINDS)
    quantity = rng.choice([1, 2, 5, 10, 20, 40, 100, 500, 5000])
    partly = rng.random() < 0.1 and quantity > 1
    wanted_by = None
    if rng.random() < 0.6:
        wanted_by = today + timedelta(days=rng.randint(-20, 240))
    reviewed = now - timedelta(days=rng.randint(0, 150))
    lemmas = language.need_lemmas(
        title=title[:200], description=description, beneficiaries=beneficiaries
    )
    return Need(
        title=title[:200],
        title_lemmas=lemmas.title_lemmas,
        text_lemmas=lemmas.text_lemmas,
        description=description,
        department=rng.choice(world.departments),
        area=world.areas[slug],
        resource_kind=kind,
        quantity=quantity,
        quantity_open=rng.randint(1, quantity - 1) if partly else quantity,
        unit=UNITS[kind],
        beneficiaries=beneficiaries,
        neighbourhood=nil,
        priority=rng.choice([1, 2, 2, 2, 3, 3, 4]),
        wanted_by=wanted_by,
        status=Need.Status.PARTIALLY_COVERED if partly else Need.Status.PUBLISHED,
        published_at=reviewed,
        last_reviewed_at=reviewed,
    )


# Above this many new rows, needs are generated by PostgreSQL itself (``grow_needs_sql``).
SQL_GROWTH_FROM = 50_000


def grow_needs_sql(world: World, count: int) -> None:
    """Add ``count`` needs in one ``INSERT ... SELECT generate_series`` with the recipe of
    ``_need`` (the same word lists and proportions, drawn by PostgreSQL's ``random()``):
    a million rows in minutes instead of an hour of Python. The table's secondary indexes
    are dropped during the load and rebuilt after it (faster than updating them row by
    row), from their own definitions."""
    from needs.models import Need

    table = Need._meta.db_table
    slugs = world.area_slugs
    nils = world.nils
    words = [AREA_WORDS[slug] for slug in slugs]
    per_area = len(words[0])
    if any(len(item) != per_area for item in words):
        raise ValueError("every area needs as many words for the SQL generator")
    from needs import language

    def lemmas(values: list[str]) -> list[str]:
        return [language.lemma_text(value) for value in values]

    params: dict[str, Any] = {
        "count": count,
        # The stored lemma columns (``Need.title_lemmas``, ``Need.text_lemmas``), put
        # together from the lemmas of each piece as the text itself is.
        "word_lemmas": [lemmas(item) for item in words],
        "benef_lemmas": lemmas(BENEFICIARIES),
        "sentence_lemmas": lemmas(NEED_SENTENCES),
        "nil_lemmas": lemmas([n.name for n in nils]),
        "servono_lemmas": language.lemma_text("Servono"),
        "project_lemmas": language.lemma_text("per il progetto"),
        "text_lemmas": language.lemma_text("Cerchiamo per. Utili anche"),
        "area_ids": [world.areas[slug].pk for slug in slugs],
        "words": words,
        "department_ids": [d.pk for d in world.departments],
        "nil_ids": [n.pk for n in nils],
        "nil_names": [n.name for n in nils],
        "beneficiaries": BENEFICIARIES,
        "sentences": NEED_SENTENCES,
        "kinds": KINDS,
        "units": [UNITS[k] for k in KINDS],
        "quantities": [1, 2, 5, 10, 20, 40, 100, 500, 5000],
        "priorities": [1, 2, 2, 2, 3, 3, 4],
        "today": timezone.localdate(),
        "now": timezone.now(),
        "seed": (SEED % 1000) / 1000,
    }
    # One transaction (DDL included): a failed load leaves the table and its indexes as
    # they were.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
            [table, f"{table}_pkey"],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute("SELECT setseed(%(seed)s)", params)
        cursor.execute(
            f"""
            INSERT INTO {table} (title, description, resource_kind, quantity, unit,
                quantity_open, beneficiaries, school, address, priority, wanted_by, status,
                created_at, updated_at, published_at, last_reviewed_at, area_id,
                department_id, neighbourhood_id, title_lemmas, text_lemmas)
            SELECT left(CASE r.form
                       WHEN 0 THEN initcap(left(r.item, 1)) || substr(r.item, 2) || ' per '
                                   || r.benef || r.place
                       WHEN 1 THEN 'Servono ' || r.item || r.place
                       WHEN 2 THEN initcap(left(r.item, 1)) || substr(r.item, 2) || ' e '
                                   || r.other
                       ELSE initcap(left(r.item, 1)) || substr(r.item, 2)
                            || ' per il progetto ' || r.other END, 200),
                   'Cerchiamo ' || r.item || ' per ' || r.benef || '. Utili anche '
                       || r.other || '. ' || r.s1 || ' ' || r.s2,
                   r.kind, r.quantity, r.unit,
                   CASE WHEN r.partly THEN 1 + floor(random() * (r.quantity - 1))::int
                        ELSE r.quantity END,
                   r.benef, '', '', r.priority, r.wanted_by,
                   CASE WHEN r.partly THEN 'partially_covered' ELSE 'published' END,
                   r.reviewed, r.reviewed, r.reviewed, r.reviewed,
                   r.area_id, r.department_id, r.nil_id,
                   concat_ws(' ', CASE WHEN r.form = 1 THEN %(servono_lemmas)s END, r.item_l,
                             CASE WHEN r.form = 0 THEN r.benef_l END,
                             CASE WHEN r.form IN (0, 1) AND r.place <> '' THEN r.nil_l END,
                             CASE WHEN r.form = 3 THEN %(project_lemmas)s END,
                             CASE WHEN r.form IN (2, 3) THEN r.other_l END),
                   concat_ws(' ', r.benef_l, %(text_lemmas)s, r.item_l, r.other_l, r.s1_l,
                             r.s2_l)
            FROM generate_series(1, %(count)s) AS g(i)
            CROSS JOIN LATERAL (
                SELECT x.*,
                       (%(words)s::text[][])[x.a][x.w1] AS item,
                       (%(words)s::text[][])[x.a][1 + (x.w1 + x.w2 - 1) %% {per_area}] AS other,
                       (%(word_lemmas)s::text[][])[x.a][x.w1] AS item_l,
                       (%(word_lemmas)s::text[][])[x.a][1 + (x.w1 + x.w2 - 1) %% {per_area}]
                           AS other_l,
                       (%(benef_lemmas)s::text[])[x.b] AS benef_l,
                       (%(sentence_lemmas)s::text[])[x.s] AS s1_l,
                       (%(sentence_lemmas)s::text[])[1 + (x.s + x.s_step - 1) %% cardinality(
                           %(sentences)s::text[])] AS s2_l,
                       (%(nil_lemmas)s::text[])[x.n] AS nil_l,
                       (%(area_ids)s::bigint[])[x.a] AS area_id,
                       (%(beneficiaries)s::text[])[x.b] AS benef,
                       (%(sentences)s::text[])[x.s] AS s1,
                       (%(sentences)s::text[])[1 + (x.s + x.s_step - 1) %% cardinality(
                           %(sentences)s::text[])] AS s2,
                       (%(kinds)s::text[])[x.k] AS kind,
                       (%(units)s::text[])[x.k] AS unit,
                       (%(quantities)s::int[])[x.q] AS quantity,
                       x.partly_draw < 0.1 AND (%(quantities)s::int[])[x.q] > 1 AS partly,
                       (%(priorities)s::int[])[x.p] AS priority,
                       (%(department_ids)s::bigint[])[x.d] AS department_id,
                       CASE WHEN x.nil_draw < 0.85 THEN (%(nil_ids)s::bigint[])[x.n] END
                           AS nil_id,
                       CASE WHEN x.nil_draw < 0.85 AND x.where_draw < 0.5
                            THEN ' a ' || (%(nil_names)s::text[])[x.n] ELSE '' END AS place,
                       CASE WHEN x.date_draw < 0.6
                            THEN %(today)s::date + (x.days - 20) END AS wanted_by,
                       %(now)s::timestamptz - make_interval(days => x.age) AS reviewed
                FROM (
                    SELECT g.i * 0 + 1 + floor(random() * cardinality(%(area_ids)s::bigint[]))::int
                               AS a,
                           1 + floor(random() * {per_area})::int AS w1,
                           1 + floor(random() * ({per_area} - 1))::int AS w2,
                           1 + floor(random() * cardinality(%(beneficiaries)s::text[]))::int
                               AS b,
                           1 + floor(random() * cardinality(%(sentences)s::text[]))::int AS s,
                           1 + floor(random() * (cardinality(%(sentences)s::text[]) - 1))::int
                               AS s_step,
                           1 + floor(random() * cardinality(%(kinds)s::text[]))::int AS k,
                           1 + floor(random() * cardinality(%(quantities)s::int[]))::int AS q,
                           1 + floor(random() * cardinality(%(priorities)s::int[]))::int AS p,
                           1 + floor(random() * cardinality(%(department_ids)s::bigint[]))::int
                               AS d,
                           1 + floor(random() * cardinality(%(nil_ids)s::bigint[]))::int AS n,
                           floor(random() * 4)::int AS form,
                           random() AS partly_draw, random() AS nil_draw,
                           random() AS where_draw, random() AS date_draw,
                           floor(random() * 261)::int AS days,
                           floor(random() * 151)::int AS age
                ) AS x
            ) AS r""",  # noqa: S608 (table name and a constant from code)
            params,
        )
        # Django's foreign keys are checked at commit; an index cannot be built while those
        # checks are pending, so run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in indexes:
            cursor.execute(definition)


def grow_needs(world: World, target: int) -> int:
    """Add needs until there are ``target``; returns how many were added."""
    from needs.models import Need

    current = Need.objects.count()
    if target - current >= SQL_GROWTH_FROM:
        grow_needs_sql(world, target - current)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return target - current
    today, now = timezone.localdate(), timezone.now()
    added = 0
    while current + added < target:
        size = min(BATCH, target - current - added)
        Need.objects.bulk_create(
            [_need(world, current + added + i, today, now) for i in range(size)]
        )
        added += size
    if added:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return added


def create_offers(world: World, orgs: list[Any], count: int, *, status: str = "submitted"):
    from needs import language
    from stakeholders.models import Offer

    rng = world.rng
    today = timezone.localdate()
    offers, areas, nils = [], [], []
    plan = []
    for i in range(count):
        slug = rng.choice(world.area_slugs)
        words = AREA_WORDS[slug]
        item, other = rng.sample(words, 2)
        kind = rng.choice(KINDS)
        title = rng.choice(
            [f"Donazione di {item}", f"Offriamo {item}", f"{item.capitalize()} per la città"]
        )
        description = " ".join(
            [
                f"{rng.choice(OFFER_OPENINGS)} {item} per {rng.choice(BENEFICIARIES)}.",
                f"Possiamo aggiungere {other}.",
                rng.choice(OFFER_SENTENCES),
            ]
        )
        quantity = rng.choice([1, 5, 10, 30, 100, 1000])
        start = today + timedelta(days=rng.randint(-30, 60)) if rng.random() < 0.5 else None
        lemmas = language.offer_lemmas(title=title[:200], description=description)
        offers.append(
            Offer(
                organisation=rng.choice(orgs),
                resource_kind=kind,
                title=title[:200],
                title_lemmas=lemmas.title_lemmas,
                text_lemmas=lemmas.text_lemmas,
                description=description,
                quantity=quantity,
                quantity_open=quantity,
                unit=UNITS[kind],
                available_from=start,
                status=status,
                submitted_email=f"bench{i}@impresa.example",
            )
        )
        plan.append((slug, rng.random()))
    offers = Offer.objects.bulk_create(offers)
    Areas = Offer.areas.through
    Nils = Offer.neighbourhoods.through
    for offer, (slug, place) in zip(offers, plan, strict=True):
        areas.append(Areas(offer_id=offer.pk, interventionarea_id=world.areas[slug].pk))
        if place < 0.4:
            for nil in rng.sample(world.nils, rng.randint(1, 2)):
                nils.append(Nils(offer_id=offer.pk, neighbourhood_id=nil.pk))
    Areas.objects.bulk_create(areas)
    Nils.objects.bulk_create(nils)
    return offers


def create_history(world: World, past_offers: list[Any], count: int = 300) -> None:
    """Agreed and completed collaborations, so the history part has something to read."""
    from matching.models import Match, Stage
    from needs.models import Need

    rng = world.rng
    need_ids = list(Need.objects.order_by("?").values_list("pk", flat=True)[: count * 2])
    pairs = set()
    matches = []
    for need_id in need_ids:
        offer = rng.choice(past_offers)
        if (offer.pk, need_id) in pairs:
            continue
        pairs.add((offer.pk, need_id))
        stage = rng.choice([Stage.COMPLETED, Stage.COMPLETED, Stage.AGREED])
        matches.append(Match(offer=offer, need_id=need_id, stage=stage, score=0.5, quantity=1))
        if len(matches) >= count:
            break
    Match.objects.bulk_create(matches)


def clear_matches() -> None:
    from contactpoint.models import AuditEntry, OutboxMessage
    from matching.models import Match, MatchEvent, Notification

    with connection.cursor() as cursor:
        tables = [
            Notification._meta.db_table,
            MatchEvent._meta.db_table,
            Match._meta.db_table,
            AuditEntry._meta.db_table,
            OutboxMessage._meta.db_table,
        ]
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


# --- Measurements -----------------------------------------------------------------------


def baseline_sql() -> str:
    """The plain full-text query: the same table, filters and words as the engine's search
    (the offer's plain OR query of its own words and lemmas, without the thesaurus), every
    match ranked by ``ts_rank_cd``, top 20."""
    from matching import retrieval

    t = retrieval._tables()
    words = retrieval._queries(
        "offer", t["offer"], "need_stats", "x.id = %(offer_id)s", pairs=False
    )
    sql = f"""
        WITH need_stats AS MATERIALIZED ({retrieval._stats(t["need"])}),
        {words},
        k AS MATERIALIZED (SELECT resource_kind FROM {t["offer"]} WHERE id = %(offer_id)s)
        SELECT n.id, ts_rank_cd(n.search_vector, q.q, 32) AS rank
        FROM {t["need"]} n, offer_q0 q, k
        WHERE {retrieval.NEED_OK} AND n.resource_kind = k.resource_kind
          AND n.search_vector @@ q.q
        ORDER BY rank DESC
        LIMIT 20"""  # noqa: S608
    return retrieval.inline(sql)


def naive_baseline_sql() -> str:
    """For context: the same query with every word of the offer (no statistics, no cap),
    what a first implementation would run."""
    from matching import retrieval

    t = retrieval._tables()
    sql = f"""
        WITH o AS MATERIALIZED (
            SELECT resource_kind,
                   (SELECT string_agg({retrieval._quoted("u.lexeme")}, ' | ')::tsquery
                    FROM unnest(x.search_vector) AS u) AS q
            FROM {t["offer"]} x WHERE x.id = %(offer_id)s
        )
        SELECT n.id, ts_rank_cd(n.search_vector, o.q, 32) AS rank
        FROM {t["need"]} n, o
        WHERE {retrieval.NEED_OK} AND n.resource_kind = o.resource_kind
          AND n.search_vector @@ o.q
        ORDER BY rank DESC
        LIMIT 20"""  # noqa: S608
    return retrieval.inline(sql)


def and_baseline_sql() -> str:
    """The cheapest plain lookup, for reference: all the words of the offer's title (AND)."""
    from contactpoint.search import SEARCH_CONFIG
    from matching import retrieval

    t = retrieval._tables()
    sql = f"""
        WITH o AS MATERIALIZED (
            SELECT resource_kind, plainto_tsquery('{SEARCH_CONFIG}', title) AS q
            FROM {t["offer"]} WHERE id = %(offer_id)s
        )
        SELECT n.id, ts_rank_cd(n.search_vector, o.q, 32) AS rank
        FROM {t["need"]} n, o
        WHERE {retrieval.NEED_OK} AND n.resource_kind = o.resource_kind
          AND n.search_vector @@ o.q
        ORDER BY rank DESC
        LIMIT 20"""  # noqa: S608
    return retrieval.inline(sql)


def _baseline_params(offer_id: int) -> dict[str, Any]:
    from matching import retrieval
    from matching.engine import LIMITS

    return retrieval._params(timezone.localdate(), LIMITS, offer_id=offer_id)


def time_baseline(offer_id: int, sql: str) -> float:
    from matching import retrieval

    params = _baseline_params(offer_id)
    start = time.perf_counter()
    retrieval.fetchall(sql, params)  # prepared, like the engine's own query
    return (time.perf_counter() - start) * 1000


def time_match(offer: Any, *, route: bool = False) -> float:
    from matching import services

    start = time.perf_counter()
    services.match_offer(offer=offer, route=route)
    return (time.perf_counter() - start) * 1000


def queries_for(offer: Any, *, route: bool) -> int:
    from matching import services

    with CaptureQueriesContext(connection) as ctx:
        services.match_offer(offer=offer, route=route)
    return len(ctx.captured_queries)


def explain_retrieval(offer_id: int) -> str:
    from matching import retrieval
    from matching.engine import LIMITS

    params = retrieval._params(timezone.localdate(), LIMITS, offer_id=offer_id)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + retrieval.offer_sql(), params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure_scale(world: World, scale: int, offers: list[Any], past: list[Any]) -> dict:
    from matching import services
    from matching.models import Match

    clear_matches()
    create_history(world, past)
    with connection.cursor() as cursor:
        # The steady state autovacuum keeps: statistics fresh, GIN pending lists merged.
        cursor.execute("VACUUM ANALYZE")
    sql, and_sql = baseline_sql(), and_baseline_sql()
    timed = offers[:TIMED_OFFERS]
    for offer in offers[TIMED_OFFERS : TIMED_OFFERS + WARMUP]:  # warm caches and plans
        time_baseline(offer.pk, sql)
        time_baseline(offer.pk, and_sql)
        services.match_offer(offer=offer, route=False)

    # Interleaved, so a busy machine slows all three alike.
    baseline, and_baseline, engine = [], [], []
    for offer in timed:
        baseline.append(time_baseline(offer.pk, sql))
        and_baseline.append(time_baseline(offer.pk, and_sql))
        engine.append(time_match(offer))
    naive_sql = naive_baseline_sql()
    naive = [time_baseline(offer.pk, naive_sql) for offer in timed[:NAIVE_OFFERS]]
    found = quality(timed)
    queries_new = queries_for(offers[TIMED_OFFERS + WARMUP], route=False)
    queries_rematch = queries_for(offers[0], route=False)

    routed_offers = offers[TIMED_OFFERS + WARMUP + 1 : TIMED_OFFERS + WARMUP + 1 + ROUTED_OFFERS]
    routed = [time_match(offer, route=True) for offer in routed_offers]
    queries_routed = queries_for(offers[-1], route=True)

    rematch_ids = [o.pk for o in offers[:REMATCH_OFFERS]]
    start = time.perf_counter()
    services.rematch_offers(offer_ids=rematch_ids, route=False)  # most are new here
    first_pass_s = time.perf_counter() - start
    start = time.perf_counter()
    services.rematch_offers(offer_ids=rematch_ids, route=False)  # all re-matches
    rematch_s = time.perf_counter() - start

    b, e, a = summary(baseline), summary(engine), summary(and_baseline)
    return {
        "scale": scale,
        "needs": scale,
        "baseline": b,
        "match_offer": e,
        "ratio_median": _ratio(e["median_ms"], b["median_ms"]),
        "ratio_p95": _ratio(e["p95_ms"], b["p95_ms"]),
        "and_baseline": a,
        "ratio_to_and_baseline_median": _ratio(e["median_ms"], a["median_ms"]),
        "ratio_to_and_baseline_p95": _ratio(e["p95_ms"], a["p95_ms"]),
        "match_offer_with_routing": summary(routed),
        "rematch_1000_offers_s": round(rematch_s, 2),
        "first_match_1000_offers_s": round(first_pass_s, 2),
        "queries_per_offer": queries_new,
        "queries_per_rematch": queries_rematch,
        "queries_per_offer_with_routing": queries_routed,
        "naive_baseline": summary(naive),
        "quality": found,
        "matches_per_offer": round(Match.objects.filter(offer__in=timed).count() / len(timed), 1),
        "candidate_pool_mean": round(statistics.mean(_pool_size(o.pk, sql) for o in timed[:20]), 1),
    }


def _offer_item(title: str) -> str:
    """The word-list item an offer was generated from (see ``create_offers``)."""
    item = title.lower()
    for prefix in ("donazione di ", "offriamo "):
        item = item.removeprefix(prefix)
    return item.removesuffix(" per la città")


def quality(offers: list[Any]) -> dict[str, float]:
    """How often the best match (and one of the best five) mentions what the offer is
    about: a rough check that searching fewer, rarer words keeps finding the right needs."""
    from matching.models import Match

    top1 = top5 = 0
    for offer in offers:
        item = _offer_item(offer.title)
        texts = [
            f"{title} {description}".lower()
            for title, description in Match.objects.filter(offer=offer)
            .order_by("-score", "-id")
            .values_list("need__title", "need__description")[:5]
        ]
        top1 += bool(texts) and item in texts[0]
        top5 += any(item in text for text in texts)
    return {
        "best_match_mentions_offer_item": round(top1 / len(offers), 3),
        "one_of_best_5_mentions_offer_item": round(top5 / len(offers), 3),
    }


def _ratio(measured: float, baseline: float) -> float | None:
    return round(measured / baseline, 2) if baseline else None


def _pool_size(offer_id: int, sql: str) -> int:
    """How many needs the offer's OR query matches after the filters (the ranked set)."""
    count_sql = (
        sql.replace("SELECT n.id, ts_rank_cd(n.search_vector, q.q, 32) AS rank", "SELECT count(*)")
        .replace("ORDER BY rank DESC", "")
        .replace("LIMIT 20", "")
    )
    with connection.cursor() as cursor:
        cursor.execute(count_sql, _baseline_params(offer_id))
        return cursor.fetchone()[0]


def print_table(results: list[dict]) -> None:
    header = (
        f"{'needs':>8} {'OR baseline med/p95':>20} {'AND baseline med/p95':>21} "
        f"{'match med/p95 ms':>18} {'ratio OR':>10} {'ratio AND':>10} {'routed med':>10} "
        f"{'rematch 1k s':>12} {'queries':>7} {'naive med':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        b, a, e = r["baseline"], r["and_baseline"], r["match_offer"]
        print(
            f"{r['needs']:>8} {b['median_ms']:>9.2f}/{b['p95_ms']:<10.2f}"
            f"{a['median_ms']:>10.2f}/{a['p95_ms']:<10.2f}"
            f"{e['median_ms']:>8.2f}/{e['p95_ms']:<9.2f} "
            f"{r['ratio_median']:>4}/{r['ratio_p95']:<5} "
            f"{r['ratio_to_and_baseline_median']:>4}/{r['ratio_to_and_baseline_p95']:<5} "
            f"{r['match_offer_with_routing']['median_ms']:>10.2f} "
            f"{r['rematch_1000_offers_s']:>12.2f} {r['queries_per_offer']:>7} "
            f"{r['naive_baseline']['median_ms']:>9.1f}"
        )


def _scales() -> list[int]:
    """``BENCH_MATCHING_SCALES`` (comma-separated) replaces the default scales;
    ``BENCH_SCALE=1000000`` adds a point (1M needs: goal p95 under 100 ms)."""
    raw = os.environ.get("BENCH_MATCHING_SCALES", "")
    scales = [int(x) for x in raw.split(",") if x.strip()] if raw else list(SCALES)
    extra = os.environ.get("BENCH_SCALE", "").strip()
    if extra:
        scales.append(int(extra))
    return sorted(set(scales))


def prepare(scale: int) -> tuple[World, list[Any], list[Any]]:
    """Build the scale's database if its recipe or size is not the expected one."""
    from needs.models import Need
    from stakeholders.models import Offer

    rng = random.Random(SEED + scale)
    state = _state()
    if state.get("recipe") != RECIPE or Need.objects.count() > scale:
        print(f"matching: building {connection.settings_dict['NAME']} ({RECIPE})")
        _reset_database()
        with transaction.atomic():
            load_reference(rng)
            world = World(rng)
            orgs = create_organisations(world)
            create_offers(world, orgs, REMATCH_OFFERS)
            create_offers(world, orgs, 200, status="completed")
        _set_state(recipe=RECIPE)
    # The thesaurus the engine reads (emptied with the tables; loading is idempotent).
    from needs.thesaurus import load_thesaurus

    load_thesaurus()
    world = World(rng)
    started = time.perf_counter()
    added = grow_needs(world, scale)
    if added:
        print(f"matching: +{added} needs in {time.perf_counter() - started:.1f} s")
    offers = list(Offer.objects.filter(status="submitted").order_by("pk"))
    past = list(Offer.objects.filter(status="completed").order_by("pk"))
    return world, offers, past


def run() -> dict:
    """Build (or reuse) one benchmark database per scale, measure, write the report."""
    results = []
    started = time.perf_counter()
    debug = settings.DEBUG
    settings.DEBUG = False  # no query log overhead in the timings
    try:
        for scale in sorted(_scales()):
            with bench_database(f"{BENCH_DATABASE}_{scale}"):
                world, offers, past = prepare(scale)
                results.append(measure_scale(world, scale, offers, past))
                print_table(results[-1:])
                if os.environ.get("BENCH_MATCHING_EXPLAIN"):
                    print(explain_retrieval(offers[0].pk))
    finally:
        settings.DEBUG = debug
    print_table(results)
    top = results[-1] if results else {}
    figures = {
        "goal": "ratio under 2 and p95 under 50 ms at 100k needs",
        "baseline_definition": (
            "one SQL full-text query over needs_need with the same filters (published or "
            "partly covered, same resource kind, open quantity, not past its date) and the "
            "same OR query of the offer's words as the engine, every match ranked by "
            "ts_rank_cd, LIMIT 20"
        ),
        "naive_baseline_definition": (
            "for context, over 20 offers: the same with every word of the offer in the OR "
            "query (no statistics, no cap), what a first implementation would run"
        ),
        "and_baseline_definition": (
            "the same with plainto_tsquery(offer title): all the title's words must occur "
            "(the cheapest plain lookup, for reference)"
        ),
        "measured_definition": (
            "services.match_offer for a new offer: one retrieval query, Python scoring, "
            "upsert of the matches, timeline events and audit entry, commit; routing off "
            "(match_offer_with_routing: the same with matching.routing, no managers)"
        ),
        "scales": results,
        "baseline": top.get("baseline"),
        "measured": top.get("match_offer"),
        "ratio": top.get("ratio_median"),
        "ratio_p95": top.get("ratio_p95"),
        "scale": top.get("needs"),
        "total_seconds": round(time.perf_counter() - started, 1),
        # Other work on the machine slows baseline and engine alike (they are interleaved),
        # but widens the spread: the load average at the end of the run, for the record.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    write_report("matching", figures)
    return figures
