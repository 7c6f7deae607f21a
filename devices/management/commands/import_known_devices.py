import csv
import time

from django.core.management.base import BaseCommand, CommandError

from devices.known_devices_import import ImportFileError, import_known_devices

SHOW_BAD_ROWS = 50


class Command(BaseCommand):
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
                self.stdout.write(f"  … {report.rows:,} rows read")

        try:
            report = import_known_devices(file, progress=progress)
        except (ImportFileError, FileNotFoundError) as error:
            raise CommandError(str(error)) from error
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"{report.rows:,} rows in {seconds:.1f} s: {report.created:,} created, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged, {report.bad:,} refused"
        ))
        for line, serial, problem in report.bad_rows[:SHOW_BAD_ROWS]:
            self.stdout.write(self.style.WARNING(f"  line {line}: {serial or '(empty)'}: {problem}"))
        if report.bad > SHOW_BAD_ROWS:
            self.stdout.write(f"  … and {report.bad - SHOW_BAD_ROWS:,} more refused rows")
        if bad_rows:
            with open(bad_rows, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["line", "serial", "problem"])
                writer.writerows(report.bad_rows)
            self.stdout.write(f"Refused rows written to {bad_rows}")
