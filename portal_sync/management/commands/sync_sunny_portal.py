"""Run the monitoring-portal sync by hand: `manage.py sync_sunny_portal [--customer-number N]`."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from cashback.commands import StaffCommand
from cashback.formatting import format_moment, format_number
from portal_sync import services
from portal_sync.models import SyncRun, skipped_label


class Command(StaffCommand):
    help = "Register the devices that Sunny Portal and ennexOS report for enrolled companies."

    def add_arguments(self, parser):
        parser.add_argument("--customer-number", help="only this company (its SMA customer number)")
        parser.add_argument("--release-dead-lock", action="store_true",
                            help="first free the lock of a run whose process is gone (a crash, a kill)")

    def handle(self, *args, customer_number=None, release_dead_lock=False, **options):
        if release_dead_lock:
            if services.release_dead_lock(by="sync_sunny_portal --release-dead-lock"):
                self.stdout.write(_("The lock of a run whose process is gone was released."))
            else:
                raise CommandError(_("No lock to release: it is free, or its run may still be alive."))
        try:
            run = services.sync(customer_number=customer_number, trigger=SyncRun.Trigger.MANUAL)
        except services.SyncAlreadyRunning as busy:
            if busy.holder_gone:
                raise CommandError(_("a run that stopped (its process is gone) holds the lock until %(when)s; "
                                     "--release-dead-lock frees it now") % {"when": format_moment(busy.until)}) from None
            raise CommandError(_("another sync is running (its lock expires at %(when)s)")
                               % {"when": format_moment(busy.until)}) from None
        except services.LockLost:
            raise CommandError(_("another run took over the lock (this one ran longer than its lock); what was "
                                 "synchronised before stays, the rest is left to that run")) from None
        self.stdout.write(_(
            "%(state)s in %(seconds)s s: %(companies)s companies, %(seen)s devices seen, %(registered)s registered, "
            "%(unchanged)s unchanged"
        ) % {
            "state": run.get_state_display(), "seconds": f"{run.duration.total_seconds():.1f}",
            "companies": format_number(run.companies), "seen": format_number(run.devices_seen),
            "registered": format_number(run.registered), "unchanged": format_number(run.unchanged),
        })
        for reason, count in sorted(run.skipped.items()):
            self.stdout.write(f"  {skipped_label(reason)}: {count}")
        for error in run.errors[:20]:
            where = " ".join(filter(None, [error.get("portal"), error.get("customer_number")]))
            self.stderr.write("  " + _("error %(where)s: %(message)s") % {"where": where, "message": error["message"]})
        if run.error_count > 20:
            self.stderr.write("  " + _("… and %(count)s more errors (see the admin)")
                              % {"count": format_number(run.error_count - 20)})
        if run.state == SyncRun.State.PARTIAL and not run.companies:
            raise CommandError(_("nothing was synchronised"))
