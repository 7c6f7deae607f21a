from django.core.management.base import BaseCommand

from registrations.services import expire_overdue_registrations


class Command(BaseCommand):
    help = "Make more-information registrations whose document deadline has passed not registrable."

    def handle(self, *args, **options):
        expired = expire_overdue_registrations()
        self.stdout.write(f"{expired} registration(s) expired")
