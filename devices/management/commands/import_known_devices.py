import csv
import time

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from cashback.commands import StaffCommand
from cashback.formatting import format_number
from devices.known_devices_import import ImportFileError, import_known_devices

SHOW_BAD_ROWS = 50


class Command(StaffCommand):
    help = (
        "Load the maker's serial-number list from a CSV or XLSX file with the columns "
        "serial,product_code and optionally produced_on. Re-running updates, never duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--bad-rows", metavar="CSV", help="write every refused row to this CSV file")

    def handle(self, *args, file, bad_rows=None, **options):
        started = time.monotonic()

        shown = {"rows": 0}

        def progress(report):
            if options["verbosity"] >= 1 and report.rows - shown["rows"] >= 100_000:
                shown["rows"] = report.rows
                self.stdout.write("  " + _("… %(rows)s rows read") % {"rows": format_number(report.rows)})

        try:
            report = import_known_devices(file, progress=progress)
        except (ImportFileError, FileNotFoundError) as error:
            raise CommandError(str(error)) from error
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(_(
            "%(rows)s rows in %(seconds)s s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
            "%(bad)s refused"
        ) % {
            "rows": format_number(report.rows), "seconds": f"{seconds:.1f}", "created": format_number(report.created),
            "updated": format_number(report.updated), "unchanged": format_number(report.unchanged),
            "bad": format_number(report.bad),
        }))
        for line, serial, problem in report.bad_rows[:SHOW_BAD_ROWS]:
            self.stdout.write(self.style.WARNING("  " + _("line %(line)s: %(serial)s: %(problem)s") % {
                "line": line, "serial": serial or _("(empty)"), "problem": problem,
            }))
        if report.bad > SHOW_BAD_ROWS:
            self.stdout.write("  " + _("… and %(count)s more refused rows")
                              % {"count": format_number(report.bad - SHOW_BAD_ROWS)})
        if bad_rows:
            with open(bad_rows, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["line", "serial", "problem"])
                writer.writerows(report.bad_rows)
            self.stdout.write(_("Refused rows written to %(path)s") % {"path": bad_rows})
