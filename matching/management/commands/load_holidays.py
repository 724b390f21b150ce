"""``manage.py load_holidays --years 2026 2027 --subdiv MI``: the non-working days for SLAs."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from matching import sla


class Command(BaseCommand):
    help = (
        "Load public holidays (default: Italy, Milan) into the Holiday table used to count "
        "working days. Idempotent: run it again any time, e.g. each December for next year."
    )

    def add_arguments(self, parser):
        this_year = timezone.localdate().year
        parser.add_argument(
            "--years",
            type=int,
            nargs="+",
            default=[this_year, this_year + 1],
            help="Years to load (default: this year and the next).",
        )
        parser.add_argument("--country", default="IT", help="ISO country code (default IT).")
        parser.add_argument(
            "--subdiv",
            default="MI",
            help="Subdivision of the holidays package (default MI: Milan, with Sant'Ambrogio). "
            "Pass an empty string for national holidays only.",
        )
        parser.add_argument(
            "--language", default="it", help="Language of the holiday names (it or en)."
        )
        parser.add_argument(
            "--extra",
            action="append",
            default=None,
            metavar="MM-DD:NAME",
            help='A local holiday the package lacks, e.g. --extra "12-07:Sant\'Ambrogio". '
            "Repeatable. Default: the HOLIDAYS_EXTRA setting.",
        )

    def handle(self, *args, **options):
        extra = options["extra"]
        if extra is None:
            extra = list(getattr(settings, "HOLIDAYS_EXTRA", []))
        try:
            result = sla.load_holidays(
                years=options["years"],
                country=options["country"],
                subdiv=options["subdiv"] or None,
                language=options["language"],
                extra=extra,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"holidays for {', '.join(map(str, sorted(set(options['years']))))}: "
                f"{result['total']} days, {result['created']} created, {result['updated']} updated"
            )
        )
