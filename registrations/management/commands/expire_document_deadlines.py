from django.utils.translation import ngettext

from cashback.commands import StaffCommand
from registrations.documents import deadlines


class Command(StaffCommand):
    help = (
        "The nightly document-deadline job, by hand: more-information registrations whose deadline "
        "passed become not registrable, and the due reminders are sent."
    )

    def handle(self, *args, **options):
        result = deadlines.run()
        expired = ngettext("%(count)d registration expired", "%(count)d registrations expired", result["expired"])
        reminded = ngettext("%(count)d reminded", "%(count)d reminded", result["reminded"])
        self.stdout.write(f"{expired % {'count': result['expired']}}, {reminded % {'count': result['reminded']}}")
