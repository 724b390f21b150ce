"""Run every benchmark: ``make bench``. Each writes var/bench/<name>.json."""

import os
import sys

import django

BENCHMARKS: list[str] = [
    "benchmarks.matching.run",
    "benchmarks.offers.run",
    "benchmarks.vademecum.run",
    "benchmarks.monitoring.run",
]


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactpoint.settings")
    django.setup()
    from django.utils.module_loading import import_string

    # `python -m benchmarks offers` runs only the named ones.
    chosen = [d for d in BENCHMARKS if not sys.argv[1:] or d.split(".")[1] in sys.argv[1:]]
    for dotted in chosen:
        import_string(dotted)()
    return 0


if __name__ == "__main__":
    sys.exit(main())
