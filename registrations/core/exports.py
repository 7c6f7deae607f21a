"""The overview's selection as CSV or XLSX, safe to open in a spreadsheet."""

import csv
import tempfile
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from cashback.xlsx import text_safe_cell

from .choices import Status
from .wording import documents_due_day

# OWASP CSV injection: a CSV cell that starts with one of these is run as a formula by
# spreadsheet programs. Prefixing a quote makes it plain text.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def headers():
    return [
        _("Serial number"), _("Product type"), _("Installation date"), _("Postcode"), _("Country"),
        _("Own reference"), _("Source"), _("Status"), _("Reason"), _("Cashback (EUR)"),
        _("Documents due"), _("Registered at"),
    ]


def rows(queryset):
    for reg in queryset.iterator(chunk_size=2000):
        refused = reg.status == Status.NOT_REGISTRABLE
        yield [
            reg.serial,
            reg.product.code,
            reg.installed_on,
            reg.postcode,
            reg.country,
            reg.reference,
            reg.get_source_display(),
            reg.status_label,
            reg.message,
            None if refused else reg.amount,
            documents_due_day(reg),
            timezone.localtime(reg.created_at).replace(tzinfo=None, microsecond=0),
        ]


class _Echo:
    def write(self, value):
        return value


def csv_lines(queryset):
    """CSV for Excel in the Benelux: UTF-8 with BOM, semicolons, decimal commas left to Excel."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(headers())
    for row in rows(queryset):
        yield writer.writerow([_csv_value(value) for value in row])


def _csv_value(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, Decimal):
        # In the reader's convention (a decimal comma in nl and fr), so Excel reads a number.
        return formats.number_format(value, 2, use_l10n=True)
    return safe_cell(str(value))


def xlsx_file(queryset):
    """A write-only workbook in a temporary file (flat memory for large selections)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Registrations"))
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJKL", (16, 18, 14, 10, 8, 18, 14, 40, 60, 14, 14, 18)):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    header = [text_safe_cell(sheet, title) for title in headers()]
    for cell in header:
        cell.font = bold
    sheet.append(header)
    number_formats = {0: "@", 2: "dd-mm-yyyy", 9: "#,##0.00", 10: "dd-mm-yyyy", 11: "dd-mm-yyyy hh:mm"}
    for row in rows(queryset):
        sheet.append([text_safe_cell(sheet, value, number_formats.get(index)) for index, value in enumerate(row)])
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle
