"""Run every benchmark: ``make bench``. Each writes var/bench/<name>.json."""

import os
import sys

import django

BENCHMARKS: list[str] = [
    name
    for name in os.environ.get(
        "BENCH_ONLY", "benchmarks.matching.run,benchmarks.matching_quality.run"
    ).split(",")
    if name
]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings")
    django.setup()
    from django.utils.module_loading import import_string

    if not BENCHMARKS:
        print("no benchmarks registered yet")
    for dotted in BENCHMARKS:
        import_string(dotted)()
    return 0


if __name__ == "__main__":
    sys.exit(main())
