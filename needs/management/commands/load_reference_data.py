from django.core.management.base import BaseCommand, CommandError

from needs import reference


class Command(BaseCommand):
    help = (
        "Load (or refresh) the Municipi, NIL neighbourhoods, departments and intervention "
        "areas from CSV files. Milan's files are the defaults; nothing is written if any "
        "file has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--nil",
            default=str(reference.DEFAULT_NIL),
            help="CSV with nil_id,name,municipi,lat,lon[,display_name] (default: Milan's 88 NIL)",
        )
        parser.add_argument(
            "--municipi",
            default=str(reference.DEFAULT_MUNICIPI),
            help="CSV with number,name,name_en (default: Milan's 9 Municipi)",
        )
        parser.add_argument(
            "--departments",
            default=str(reference.DEFAULT_DEPARTMENTS),
            help="CSV with slug,name,name_en[,email]",
        )
        parser.add_argument(
            "--areas",
            default=str(reference.DEFAULT_AREAS),
            help="CSV with slug,name,name_en[,description]",
        )

    def handle(self, *args, **options):
        try:
            summary = reference.load_reference_data(
                nil_path=options["nil"],
                municipi_path=options["municipi"],
                departments_path=options["departments"],
                areas_path=options["areas"],
            )
        except reference.ReferenceDataError as exc:
            raise CommandError(f"{exc}. Nothing was loaded.") from exc
        self.stdout.write(self.style.SUCCESS(f"Reference data loaded: {summary}."))
