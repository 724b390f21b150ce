"""Dashboard benchmark: ``make bench`` (or ``python -m benchmarks``).

Builds, with SQL ``generate_series``, a realistic data set (1k needs, 500 offers and matches,
200 collaborations) and one 100 times larger (100k needs, 50k offers and matches, 20k
collaborations with 40k outputs), each in its own database on the same server
(``contactpoint_bench_monitoring_<scale>``), so development data is never touched.

At each scale, in the same run, it measures:
(a) rendering ``/dashboard/`` through the whole stack (middleware, session, template),
    median and p95 over 10 renders, and its number of queries;
(b) every query the render runs, timed alone (median of 5): the slowest one is the
    baseline, and the figure to watch is render time / slowest query.

Figures go to ``var/bench/dashboard.json``. ``BENCH_DASHBOARD_SCALES=1,100`` picks scales.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.common import summary, timings_ms, write_report
from benchmarks.database import bench_database

BASE = {"needs": 1_000, "offers": 500, "matches": 500, "collaborations": 200}
RENDERS = 10
QUERY_REPEAT = 5

DATA_SQL = [
    # Reference data: 9 Municipi, 88 NIL, 10 departments, 7 areas.
    """INSERT INTO needs_municipio (number, name, name_en)
       SELECT g, 'Municipio ' || g, '' FROM generate_series(1, 9) g""",
    """INSERT INTO needs_neighbourhood (nil_id, official_name, name, municipio_id, lat, lon)
       SELECT g, 'NIL ' || g, 'Nil ' || g,
              (SELECT id FROM needs_municipio WHERE number = 1 + g % 9),
              45.40 + (g % 11) * 0.012, 9.10 + (g / 11) * 0.02
       FROM generate_series(1, 88) g""",
    """INSERT INTO needs_neighbourhood_municipi (neighbourhood_id, municipio_id)
       SELECT id, municipio_id FROM needs_neighbourhood""",
    """INSERT INTO needs_department (slug, name, name_en, email)
       SELECT 'dept-' || g, 'Direzione ' || g, '', '' FROM generate_series(1, 10) g""",
    """INSERT INTO needs_interventionarea (slug, name, name_en, description)
       SELECT 'area-' || g, 'Area ' || g, '', '' FROM generate_series(1, 7) g""",
    """INSERT INTO stakeholders_organisation (kind, legal_name, tax_code, vat_number, website,
           email_domain, size, sector, description, allow_logo_use, allow_press, allow_social,
           local_group, focus_group, created_at, updated_at)
       SELECT 'company', 'Impresa ' || g, '', '', '', '', '', '', '', false, g % 2 = 0,
              false, false, false, now() - interval '200 days', now() - (g % 400) * interval '1 day'
       FROM generate_series(1, %(orgs)s) g""",
    """INSERT INTO needs_need (title, description, resource_kind, quantity, unit, quantity_open,
           beneficiaries, school, address, priority, status, created_at, updated_at, area_id,
           department_id, neighbourhood_id, published_at, last_reviewed_at)
       SELECT 'Fabbisogno ' || g, 'Descrizione', 'goods', 10, 'pezzi',
              CASE WHEN g % 3 = 0 THEN 0 WHEN g % 3 = 1 THEN 4 ELSE 10 END,
              'Alunni', '', '', 2,
              CASE WHEN g % 3 = 0 THEN 'covered' ELSE 'published' END,
              date_trunc('year', now()) + (g % 300) * interval '1 day', now(),
              (SELECT min(id) FROM needs_interventionarea) + g % 7,
              (SELECT min(id) FROM needs_department) + g % 10,
              (SELECT min(id) FROM needs_neighbourhood) + g % 88,
              now(), now() - (g % 120) * interval '1 day'
       FROM generate_series(1, %(needs)s) g""",
    """INSERT INTO stakeholders_offer (resource_kind, title, description, quantity, unit,
           quantity_open, allow_logo_use, allow_press, allow_social, status, language,
           submitted_email, tracking_token, created_at, updated_at, organisation_id,
           created_organisation)
       SELECT 'goods', 'Offerta ' || g, 'Descrizione', 10, 'pezzi', 10, false, false, false,
              'matched', 'it', 'o' || g || '@impresa.example', md5(g::text || random()::text),
              date_trunc('year', now()) - interval '1 year' + (g % 700) * interval '1 day',
              now(), (SELECT min(id) FROM stakeholders_organisation) + g %% %(orgs)s, false
       FROM generate_series(1, %(offers)s) g""",
    """INSERT INTO matching_match (score, score_parts, stage, quantity, allocated, routing_reason,
           created_at, updated_at, stage_changed_at, need_id, offer_id, contacted_at)
       SELECT 0.5, '{}',
              (ARRAY['proposed','contacted','agreed','in_delivery','completed'])[1 + g % 5],
              1, false, '{}', o.created_at, now(), now(),
              (SELECT min(id) FROM needs_need) + g %% %(needs)s, o.id,
              CASE WHEN g % 5 > 0 THEN o.created_at + (g % 9) * interval '1 day' END
       FROM generate_series(1, %(matches)s) g
       JOIN stakeholders_offer o
         ON o.id = (SELECT min(id) FROM stakeholders_offer) + g %% %(offers)s""",
    """INSERT INTO matching_matchevent (match_id, created_at, kind, from_stage, to_stage, note,
           visible_to_stakeholder, payload)
       SELECT id, created_at + interval '12 days', 'stage', 'negotiating', 'agreed', '', true, '{}'
       FROM matching_match WHERE stage IN ('agreed', 'in_delivery', 'completed')""",
    """INSERT INTO monitoring_collaboration (match_id, started_at, engagement_method,
           co_designed_with, why_this_area, cash_eur, evaluation, method_and_limits,
           verification_level, confirmation_token_hash, confirmation_sent_to, confirmed_by,
           evaluated_at, completed_at)
       SELECT m.id, m.created_at + interval '20 days',
              (ARRAY['donation','volunteering','sponsorship','pro_bono','co_design'])[1 + m.id % 5],
              '', '', 0, 'ok', '', 'self', '', '', '',
              CASE WHEN m.id % 4 > 0 THEN now() END,
              CASE WHEN m.stage = 'completed' THEN m.created_at + interval '60 days' END
       FROM matching_match m
       WHERE m.stage IN ('in_delivery', 'completed', 'agreed')
       ORDER BY m.id LIMIT %(collaborations)s""",
    """INSERT INTO monitoring_collaboration_departments (collaboration_id, department_id)
       SELECT c.id, (SELECT min(id) FROM needs_department) + (c.id + k) % 10
       FROM monitoring_collaboration c, generate_series(0, 1) k WHERE k = 0 OR c.id % 3 = 0""",
    """INSERT INTO monitoring_impactoutput (collaboration_id, kind, expected, actual)
       SELECT c.id, k.kind, 20, c.id % 40
       FROM monitoring_collaboration c,
            (VALUES ('beneficiaries'), ('devices')) AS k(kind)""",
]


def _scales() -> list[int]:
    raw = os.environ.get("BENCH_DASHBOARD_SCALES", "1,100")
    return [int(part) for part in raw.split(",") if part.strip()]


def load(factor: int) -> dict[str, int]:
    counts = {key: value * factor for key, value in BASE.items()}
    counts["orgs"] = max(50, counts["offers"] // 5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM needs_need")
        if cursor.fetchone()[0] == counts["needs"]:
            return counts  # kept from an earlier run
        tables = [m._meta.db_table for m in apps.get_models() if m._meta.managed]
        existing = set(connection.introspection.table_names(cursor))
        cursor.execute(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables if t in existing) + " CASCADE"
        )
        call_command("migrate", verbosity=0, interactive=False)  # roles and indicators back
        for statement in DATA_SQL:
            # Integers only, so plain substitution is safe; no parameters, so % is modulo.
            sql = statement.replace("%%", "%")
            for key, value in counts.items():
                sql = sql.replace(f"%({key})s", str(int(value)))
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    return counts


def cabinet_client() -> Client:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(
        username="bench-cabinet", defaults={"email": "bench-cabinet@example.org"}
    )
    user.groups.add(Group.objects.get_or_create(name="cabinet")[0])
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def time_query(sql: str) -> float:
    samples = []
    with connection.cursor() as cursor:
        for _ in range(QUERY_REPEAT):
            start = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(factor: int) -> dict[str, Any]:
    counts = load(factor)
    client = cabinet_client()
    assert client.get("/dashboard/").status_code == 200
    renders = timings_ms(lambda: client.get("/dashboard/"), repeat=RENDERS, warmup=2)
    with CaptureQueriesContext(connection) as queries:
        client.get("/dashboard/")
    timed = sorted(
        (
            (time_query(q["sql"]), q["sql"])
            for q in queries.captured_queries
            if q["sql"].startswith(("SELECT", "WITH"))
        ),
        reverse=True,
    )
    slowest_ms, slowest_sql = timed[0]
    render = summary(renders)
    return {
        "scale": factor,
        "rows": counts,
        "render": render,
        "queries": len(queries.captured_queries),
        "slowest_query_ms": round(slowest_ms, 3),
        "slowest_query": slowest_sql[:300],
        "render_over_slowest_query": round(render["median_ms"] / slowest_ms, 2)
        if slowest_ms
        else None,
    }


def run() -> dict:
    results = []
    for factor in _scales():
        with bench_database(f"contactpoint_bench_monitoring_{factor}"):
            results.append(measure(factor))
    print(
        f"{'scale':>6} {'needs':>8} {'median ms':>10} {'p95 ms':>8} {'queries':>8} "
        f"{'slowest q ms':>13} {'ratio':>6}"
    )
    for row in results:
        print(
            f"{row['scale']:>5}x {row['rows']['needs']:>8} {row['render']['median_ms']:>10} "
            f"{row['render']['p95_ms']:>8} {row['queries']:>8} {row['slowest_query_ms']:>13} "
            f"{row['render_over_slowest_query']:>6}"
        )
    figures = {"results": results}
    write_report("dashboard", figures)
    return figures
