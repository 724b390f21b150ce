"""Shared helpers for benchmarks: timing statistics and the JSON report."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection


def machine() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (pg_version,) = cursor.fetchone()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "postgresql": pg_version,
        "database": "DATABASE_URL" if settings.DATABASE_URL else "embedded",
    }


def timings_ms(fn: Callable[[], Any], *, repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(p95, 3),
        "n": len(ordered),
    }


def write_report(name: str, figures: dict[str, Any]) -> Path:
    """Write var/bench/<name>.json with the figures and the machine they were measured on."""
    folder = settings.DATA_DIR / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    body = {"name": name, "machine": machine(), **figures}
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path}")
    return path
