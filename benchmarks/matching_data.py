"""Synthetic Milan-like data for the matching benchmark: reference data, organisations,
needs (grown by the ORM, then by SQL at large scales), offers and match history."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from benchmarks.matching_words import (
    AREA_WORDS,
    BENEFICIARIES,
    KINDS,
    NEED_SENTENCES,
    OFFER_OPENINGS,
    OFFER_SENTENCES,
    UNITS,
)

BATCH = 5_000
SEED = 20261125


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
