from django.core.management.base import BaseCommand, CommandError

from needs import thesaurus
from needs.reference import ReferenceDataError


class Command(BaseCommand):
    help = (
        "Load (or refresh) the thesaurus of equivalent terms used by the catalogue search and "
        "the matching engine from a CSV file with group,name,language,term (default: Milan's). "
        "Idempotent; nothing is written if the file has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(thesaurus.DEFAULT_THESAURUS))
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Remove the groups and terms that are not in the file.",
        )

    def handle(self, *args, **options):
        try:
            groups, terms = thesaurus.load_thesaurus(options["path"], replace=options["replace"])
        except ReferenceDataError as exc:
            raise CommandError(f"{exc}. Nothing was loaded.") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Thesaurus loaded: {groups} new groups, {terms} new terms.")
        )
