"""Run the monitoring-portal sync by hand: `manage.py sync_sunny_portal [--customer-number N]`."""

from django.core.management.base import BaseCommand, CommandError

from portal_sync import services
from portal_sync.models import SyncRun, skipped_label


class Command(BaseCommand):
    help = "Register the devices that Sunny Portal and ennexOS report for enrolled companies."

    def add_arguments(self, parser):
        parser.add_argument("--customer-number", help="only this company (its SMA customer number)")

    def handle(self, *args, customer_number=None, **options):
        try:
            run = services.sync(customer_number=customer_number, trigger=SyncRun.Trigger.MANUAL)
        except services.SyncAlreadyRunning as busy:
            raise CommandError(str(busy)) from None
        except services.LockLost:
            raise CommandError("another run took over the lock (this one ran longer than its lock); "
                               "what was synchronised before stays, the rest is left to that run") from None
        self.stdout.write(
            f"{run.get_state_display()} in {run.duration.total_seconds():.1f} s: {run.companies} companies, "
            f"{run.devices_seen} devices seen, {run.registered} registered, {run.unchanged} unchanged"
        )
        for reason, count in sorted(run.skipped.items()):
            self.stdout.write(f"  {skipped_label(reason)}: {count}")
        for error in run.errors[:20]:
            where = " ".join(filter(None, [error.get("portal"), error.get("customer_number")]))
            self.stderr.write(f"  error {where}: {error['message']}")
        if run.error_count > 20:
            self.stderr.write(f"  … and {run.error_count - 20} more errors (see the admin)")
        if run.state == SyncRun.State.PARTIAL and not run.companies:
            raise CommandError("nothing was synchronised")
