"""Run every benchmark: ``make bench`` (``make bench BENCH="matching offers"`` for some).

Each writes var/bench/<name>.json.
"""

import os
import sys

import django

BENCHMARKS: list[str] = [
    "benchmarks.matching.run",
    "benchmarks.matching_quality.run",
    "benchmarks.offers.run",
    "benchmarks.vademecum.run",
    "benchmarks.monitoring.run",
    "benchmarks.pages.run",
]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings")
    django.setup()
    from django.utils.module_loading import import_string

    # `python -m benchmarks offers` runs only the named ones; BENCH_ONLY names functions
    # outside the list too (e.g. benchmarks.matching_quality.tune).
    only = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
    chosen = only or [d for d in BENCHMARKS if not sys.argv[1:] or d.split(".")[1] in sys.argv[1:]]
    for dotted in chosen:
        import_string(dotted)()
    return 0


if __name__ == "__main__":
    sys.exit(main())
