"""The workbook an installer gets back for an upload: every row with its outcome and message.

The first six columns are the template's, so the installer fixes the failed rows and uploads
the same workbook again (the outcome and message columns are ignored then; rows that were
registered come back as "already registered" and change nothing). Written with openpyxl's
write-only mode into a temporary file, so 100,000 rows take little memory.
"""

import tempfile

from django.core.files import File
from django.utils.translation import gettext as _
from django.utils.translation import override
from openpyxl import Workbook
from openpyxl.styles import Font

from cashback.xlsx import text_safe_cell

from ..core.choices import RowResult
from .columns import COLUMNS, column_titles

_WIDTHS = (16, 18, 16, 11, 8, 20, 24, 80, 10)


def build_workbook(answers):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Registrations"))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    titles = column_titles()
    header = [text_safe_cell(sheet, title) for title in
              [titles[c] for c in COLUMNS] + [_("Outcome"), _("Message"), _("Row in your file")]]
    for cell in header:
        cell.font = Font(bold=True)
    sheet.append(header)
    labels = {kind: str(kind.label) for kind in RowResult}
    for answer in answers:
        # Plain values where they are safe (openpyxl writes them fastest); a cell object for the
        # serial (text format, so an edited serial stays text) and for text that looks like a formula.
        values = _values(answer) + [labels[answer.kind], answer.message]
        row = [text_safe_cell(sheet, values[0], "@")]
        for value in values[1:]:
            row.append(text_safe_cell(sheet, value) if isinstance(value, str) and value.startswith("=") else value)
        row.append(answer.row.number)
        sheet.append(row)
    sheet.auto_filter.ref = f"A1:I{len(answers) + 1}"
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def _values(answer):
    """What the installer sent, cleaned where the row could be read (serial as text)."""
    clean = answer.outcome.clean if answer.outcome is not None else None
    if clean is not None:
        return [clean.serial, clean.product.code, clean.installed_on, clean.postcode, clean.country, clean.reference]
    device, raw = answer.row.device, answer.row.raw
    if device is not None:
        return [device.serial, device.product_code, device.installed_on, device.postcode, device.country,
                device.reference]
    return [_display(raw.get(column)) for column in COLUMNS]


def _display(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return value if hasattr(value, "isoformat") else str(value)


def write_result_workbook(upload, answers):
    with override(upload.language):
        handle = build_workbook(answers)
    with handle:
        upload.result_file.save("result.xlsx", File(handle), save=False)
    upload.save(update_fields=["result_file"])
