"""Public pages on a busy day (``make bench BENCH=pages`` -> var/bench/pages.json).

gunicorn (``BENCH_WEB_WORKERS`` processes, default 2, x ``BENCH_WEB_THREADS`` threads,
gthread) with production settings and a Redis of its own; the load comes from
``BENCH_CLIENTS`` Python threads on this machine (keep-alive connections, no cookies: every
request is an anonymous visitor). For each page: requests per second, median and p95
latency, errors, and the throughput as a share of a bare Django view (same settings and
middleware, a fixed page) measured in the same run.

Pages: home, the catalogue (/needs/), need pages (the 20 newest, in turn), the offer form.
Sizes (``BENCH_PAGES_SCALES``, default ``demo,100000``): the demo data (``seed_demo``), and
the demo data plus generated published needs up to 100k; each in a database of its own,
built once and kept (``<BENCH_DATABASE>_pages_<size>``).

Each size runs twice: with the kept pages (``PAGE_CACHE_SECONDS`` as configured) and
rendering every page afresh (``PAGE_CACHE_SECONDS=0``, fewer requests: the render cost).
``BENCH_PAGES_QUICK=1``: demo size only, 300 requests per page (for development).
"""

from __future__ import annotations

import os
import random
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from .common import summary, write_report
from .database import BENCH_DATABASE, bench_database, read_state, reset_database, write_state
from .offers import _environment
from .stack import PYTHON, LoadResult, RedisServer, Stack, free_port, get_pages

RECIPE = "pages-v1"
SEED = 20261202
PAGES = ("home", "catalogue", "need_page", "offer_form")


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _scales(quick: bool) -> list[str]:
    if quick:
        return ["demo"]
    raw = os.environ.get("BENCH_PAGES_SCALES", "demo,100000")
    return [item.strip() for item in raw.split(",") if item.strip()]


def prepare(scale: str) -> int:
    """The demo data, plus generated published needs up to ``scale``; returns the count of
    public needs. Built once per recipe and size."""
    from django.core.management import call_command
    from django.utils.module_loading import import_string

    from contactpoint.management.commands.seed_demo import demo_loaders
    from needs.models import Need

    from .matching_data import World, grow_needs, load_reference

    call_command("createcachetable")
    if read_state().get("recipe") != RECIPE:
        print(f"pages: building {connection.settings_dict['NAME']} ({RECIPE})")
        reset_database()
        call_command("migrate", verbosity=0)  # post_migrate: the role groups, the thesaurus
        for dotted in demo_loaders():
            import_string(dotted)()
        write_state(recipe=RECIPE)
    if scale != "demo":
        rng = random.Random(SEED)
        load_reference(rng)
        added = grow_needs(World(rng), int(scale))
        if added:
            print(f"pages: +{added} needs")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE contactpoint_cache")  # no rate limit or page left over
    return Need.objects.published().count()


def _paths() -> dict[str, list[str]]:
    from needs.models import Need

    newest = Need.objects.published().order_by("-published_at", "-pk")[:20]
    return {
        "bare_view": ["/bench/bare-page/"],
        "home": ["/"],
        "catalogue": ["/needs/"],
        "need_page": [f"/needs/{pk}/" for pk in newest.values_list("pk", flat=True)],
        "offer_form": ["/offers/new/"],
    }


def _figures(result: LoadResult) -> dict[str, Any]:
    return {
        "requests": result.requests,
        "seconds": round(result.seconds, 2),
        "per_second": round(result.requests / result.seconds, 1) if result.seconds else None,
        "errors": len(result.errors),
        "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
        **summary(result.latencies_ms),
    }


def measure(
    port: int, paths: dict[str, list[str]], *, count: int, clients: int
) -> dict[str, dict[str, Any]]:
    headers = {"Accept-Language": "it-IT,it;q=0.9", "Host": f"127.0.0.1:{port}"}
    figures: dict[str, dict[str, Any]] = {}
    # The bare view first and last: the machine's other work varies during a run.
    for name, urls in [*paths.items(), ("bare_view_again", paths["bare_view"])]:
        # Warm up: imports, template loading, connections, and (kept pages) one render
        # of each page per process.
        get_pages("127.0.0.1", port, urls, count=max(40, 4 * len(urls)), clients=4, headers=headers)
        figures[name] = _figures(
            get_pages("127.0.0.1", port, urls, count=count, clients=clients, headers=headers)
        )
    bare = (
        (figures["bare_view"]["per_second"] or 0) + (figures["bare_view_again"]["per_second"] or 0)
    ) / 2
    for name in PAGES:
        rate = figures[name]["per_second"] or 0
        figures[name]["ratio_to_bare_view"] = round(rate / bare, 3) if bare else None
    return figures


def _run_stack(
    folder: Path, *, kept_seconds: int, count: int, clients: int, workers: int, threads: int
) -> dict[str, Any]:
    paths = _paths()
    connection.close()
    redis = RedisServer(folder / "redis")
    redis.start()
    env = _environment(redis, folder / "mail")
    env["PAGE_CACHE_SECONDS"] = str(kept_seconds)
    run = Stack(folder=folder, env=env)
    port = free_port()
    try:
        run.start_web(port, workers=workers, threads=threads)
        return measure(port, paths, count=count, clients=clients)
    finally:
        run.stop()
        redis.stop()


def collect_static(env: dict[str, str]) -> None:
    """Production settings serve hashed static names from the manifest collectstatic
    writes; it is written again only when a file under static/ is newer (minutes on a busy
    machine: every file is compressed)."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    sources = [p for d in settings.STATICFILES_DIRS for p in Path(d).rglob("*") if p.is_file()]
    newest = max((p.stat().st_mtime for p in sources), default=0.0)
    if manifest.exists() and manifest.stat().st_mtime > newest:
        return
    subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
    )


def _print(scale: str, mode: str, figures: dict[str, Any]) -> None:
    for name, row in figures.items():
        print(
            f"pages {scale:>7} {mode:<5} {name:<11} {row['per_second']:>8} /s "
            f"median {row['median_ms']:>7} ms p95 {row['p95_ms']:>7} ms "
            f"errors {row['errors']} ratio {row.get('ratio_to_bare_view', '')}"
        )


def run() -> dict[str, Any]:
    quick = os.environ.get("BENCH_PAGES_QUICK", "") not in ("", "0")
    count = _env_int("BENCH_PAGES_REQUESTS", 300 if quick else 3000)
    fresh_count = _env_int("BENCH_PAGES_FRESH_REQUESTS", 100 if quick else 400)
    clients = _env_int("BENCH_CLIENTS", 16)
    workers = _env_int("BENCH_WEB_WORKERS", 2)
    threads = _env_int("BENCH_WEB_THREADS", 4)
    results = []
    collect_static({**os.environ, "DEBUG": "0"})  # DEBUG off: the manifest storage
    for scale in _scales(quick):
        folder = Path(tempfile.mkdtemp(prefix=f"cp-bench-pages-{scale}-"))
        with bench_database(f"{BENCH_DATABASE}_pages_{scale}"):
            public = prepare(scale)
            row: dict[str, Any] = {"scale": scale, "public_needs": public}
            for mode, seconds, n in (("kept", 300, count), ("fresh", 0, fresh_count)):
                figures = _run_stack(
                    folder / mode,
                    kept_seconds=seconds,
                    count=n,
                    clients=clients,
                    workers=workers,
                    threads=threads,
                )
                _print(scale, mode, figures)
                row[mode] = figures
            results.append(row)
            connection.close()
    errors = sum(
        figures["errors"]
        for row in results
        for mode in ("kept", "fresh")
        for figures in row[mode].values()
    )
    report = {
        "goal": "catalogue and offer form >= 0.5x the bare view's throughput for anonymous "
        "visitors, at demo size and with 100k needs; constant queries per page; 0 errors",
        "setup": {
            "web": f"gunicorn, {workers} processes x {threads} threads (gthread), "
            "production settings",
            "clients": clients,
            "requests_per_page": count,
            "fresh_requests_per_page": fresh_count,
            "kept": "public pages kept for anonymous visitors (PAGE_CACHE_SECONDS=300)",
            "fresh": "every page rendered afresh (PAGE_CACHE_SECONDS=0)",
            "quick": quick,
        },
        "scales": results,
        "errors": errors,
        # Other work on the machine (2 cores shared) slows every row alike, bare view included.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    write_report("pages", report)
    return report
