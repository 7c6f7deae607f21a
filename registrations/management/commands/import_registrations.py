from pathlib import Path

from django.core.files import File
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cashback.commands import StaffCommand
from cashback.formatting import format_number
from cashback.spreadsheets import FileRefused
from registrations.companies.models import Company
from registrations.core.choices import RowResult
from registrations.uploads import services
from registrations.uploads.models import Upload
from registrations.uploads.results import build_workbook


class Command(StaffCommand):
    help = (
        "Register the devices in FILE (the Excel template, or any .xlsx/.xls/.ods/.csv with its columns) "
        "on behalf of the company with this customer number, exactly as an upload on the website. "
        "Writes the result workbook next to FILE."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--customer-number", required=True)
        parser.add_argument("--dry-run", action="store_true", help="check every row, register nothing")

    def handle(self, *args, file, customer_number, dry_run, **options):
        # The messages of the rows and the result workbook in the command's language (--language).
        self._import(Path(file), customer_number, dry_run, translation.get_language())

    def _import(self, path, customer_number, dry_run, language):
        file = str(path)
        if not path.is_file():
            raise CommandError(_("%(file)s: no such file") % {"file": file})
        company = Company.objects.filter(customer_number=customer_number.strip().upper()).first()
        if company is None:
            raise CommandError(_("No company with customer number %(number)s") % {"number": customer_number})

        with path.open("rb") as handle:
            upload = services.receive(
                company=company, uploaded_file=File(handle, name=path.name), on_behalf=True, language=language,
            )
        if upload.state == Upload.State.REFUSED:
            upload.delete()  # a refused file is not an upload staff need to see
            raise CommandError(upload.error)
        if dry_run:
            try:
                answers = services.decide_rows(upload)
            except FileRefused as refusal:
                raise CommandError(str(refusal.message)) from None
            finally:
                with transaction.atomic():
                    upload.file.delete(save=False)
                    upload.delete()
        else:
            services.preview_upload(upload)
            if upload.state != Upload.State.CHECKED:
                raise CommandError(upload.error)
            services.start_import(upload, user=None)
            services.register_upload(upload)
            if upload.state != Upload.State.IMPORTED:
                raise CommandError(upload.error)
            answers = None

        counts = services.count_outcomes(answers) if answers is not None else upload.result_counts
        target = path.with_name(f"{path.stem}-result.xlsx")
        if answers is not None:
            with build_workbook(answers) as workbook, target.open("wb") as out:
                out.write(workbook.read())
        else:
            with upload.result_file.open("rb") as stored, target.open("wb") as out:
                out.write(stored.read())

        values = {"company": company.name, "number": company.customer_number,
                  "rows": format_number(sum(counts.values()))}
        if dry_run:
            self.stdout.write(_("%(company)s (%(number)s): %(rows)s rows would become:") % values)
        else:
            self.stdout.write(_("%(company)s (%(number)s): %(rows)s rows registered as:") % values)
        for kind in RowResult:
            self.stdout.write(f"  {kind.label:<28} {format_number(counts.get(kind, 0)):>7}")
        self.stdout.write(_("Result workbook: %(path)s") % {"path": target})
