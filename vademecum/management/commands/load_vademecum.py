from django.core.management.base import BaseCommand

from vademecum.loading import load_vademecum


class Command(BaseCommand):
    help = "Create the vademecum's templates with version 1 published (existing ones are kept)."

    def handle(self, *args, **options) -> None:
        created = load_vademecum()
        self.stdout.write(f"vademecum: {created} template(s) created")
