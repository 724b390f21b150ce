from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from contactpoint import demo


def demo_loaders() -> list[str]:
    """Every installed app's demo loaders (its AppConfig's ``demo_loaders``), by stage."""
    staged = [
        (stage, dotted)
        for config in apps.get_app_configs()
        for stage, dotted in getattr(config, "demo_loaders", ())
    ]
    return [dotted for _stage, dotted in sorted(staged, key=lambda item: item[0])]


class Command(BaseCommand):
    help = "Load the demo data (users per role, Milan's reference data and examples)."

    def handle(self, *args, **options):
        for dotted in demo_loaders():
            import_string(dotted)()
            self.stdout.write(f"loaded {dotted}")
        self.stdout.write("\n".join(demo.login_lines()))
