from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from contactpoint import demo

# Each app's demo loader, in dependency order. Every loader is idempotent.
DEMO_LOADERS = [
    "contactpoint.demo.load_users",
    "needs.demo.load_reference",
    "stakeholders.demo.load",
    "needs.demo.load_needs",
    # Offers go through the real intake service; they need the organisations and needs.
    "stakeholders.demo_offers.load",
    "vademecum.demo.load",
    # Keep last: routes matches for the demo offers loaded above.
    "matching.demo.load",
    "monitoring.demo.load",
]


class Command(BaseCommand):
    help = "Load the demo data (users per role, Milan's reference data and examples)."

    def handle(self, *args, **options):
        for dotted in DEMO_LOADERS:
            import_string(dotted)()
            self.stdout.write(f"loaded {dotted}")
        self.stdout.write("\n".join(demo.login_lines()))
