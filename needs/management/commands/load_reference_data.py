from django.core.management.base import BaseCommand, CommandError

from needs import reference


class Command(BaseCommand):
    help = (
        "Load (or refresh) the Municipi, NIL neighbourhoods, departments and intervention "
        "areas from CSV files. Milan's files are the defaults; nothing is written if any "
        "file has an error."
    )

    # Option, default file, what it holds: each is passed on as ``<option>_path``.
    FILES = (
        (
            "nil",
            reference.DEFAULT_NIL,
            "CSV with nil_id,name,municipi,lat,lon[,display_name] (default: Milan's 88 NIL)",
        ),
        (
            "municipi",
            reference.DEFAULT_MUNICIPI,
            "CSV with number,name,name_en (default: Milan's 9 Municipi)",
        ),
        ("departments", reference.DEFAULT_DEPARTMENTS, "CSV with slug,name,name_en[,email]"),
        ("areas", reference.DEFAULT_AREAS, "CSV with slug,name,name_en[,description]"),
    )

    def add_arguments(self, parser):
        for option, default, help_text in self.FILES:
            parser.add_argument(f"--{option}", default=str(default), help=help_text)

    def handle(self, *args, **options):
        try:
            summary = reference.load_reference_data(
                **{f"{option}_path": options[option] for option, _default, _help in self.FILES}
            )
        except reference.ReferenceDataError as exc:
            raise CommandError(f"{exc}. Nothing was loaded.") from exc
        self.stdout.write(self.style.SUCCESS(f"Reference data loaded: {summary}."))
