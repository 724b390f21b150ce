from django.core.management.base import BaseCommand

from contactpoint.outbox import pending_count, relay_pending


class Command(BaseCommand):
    help = "Publish pending outbox messages to the broker (beat also does this every minute)."

    def handle(self, *args, **options):
        sent = relay_pending()
        self.stdout.write(f"sent {sent}, still pending {pending_count()}")
