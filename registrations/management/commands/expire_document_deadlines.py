from django.core.management.base import BaseCommand

from registrations.documents import deadlines


class Command(BaseCommand):
    help = (
        "The nightly document-deadline job, by hand: more-information registrations whose deadline "
        "passed become not registrable, and the due reminders are sent."
    )

    def handle(self, *args, **options):
        result = deadlines.run()
        self.stdout.write(f"{result['expired']} registration(s) expired, {result['reminded']} reminded")
