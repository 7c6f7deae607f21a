"""The workbook an installer gets back for an upload: every row with its outcome and message.

The first six columns are the template's, so the installer fixes the failed rows and uploads
the same workbook again (the outcome and message columns are ignored then; rows that were
registered come back as "already registered" and change nothing). Written with
rustpy-xlsxwriter (rust_xlsxwriter), row by row to a temporary file: 100,000 rows in about
half a second and little memory, where openpyxl's write-only mode takes ten. Serials are text
cells in a text-formatted column, every text is written as text (never a formula), dates as
dates; the country column keeps its drop-down.
"""

import tempfile
from concurrent.futures import ThreadPoolExecutor

import rustpy_xlsxwriter as xlsx
from django.core.files import File
from django.utils.translation import gettext as _
from django.utils.translation import override

from ..companies.choices import Country
from ..core.choices import RowResult
from .columns import COLUMNS, column_titles

_WIDTHS = (16, 18, 16, 11, 8, 20, 24, 80, 10)


def build_workbook(answers):
    titles = column_titles()
    headers = [titles[c] for c in COLUMNS] + [_("Outcome"), _("Message"), _("Row in your file")]
    labels = {kind: str(kind.label) for kind in RowResult}
    # A generator: the rows are written as they are made, never all held at once.
    records = (
        dict(zip(headers, [*_values(answer), labels[answer.kind], answer.message, answer.row.number]))
        for answer in answers
    ) if answers else [dict.fromkeys(headers)]
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")
    xlsx.write_worksheet(
        records, handle.name, sheet_name=_("Registrations"),
        freeze_row=1, bold_headers=True, autofilter=True, datetime_format="dd-mm-yyyy",
        column_widths=dict(zip(headers, _WIDTHS)),
        column_formats={titles["serial"]: xlsx.Format().set_num_format("@")},
        data_validations={titles["country"]: {
            "type": "list", "values": list(Country.values), "error_title": titles["country"],
            "error_message": _("Choose NL, BE or LU."),
        }},
    )
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


def write_result_workbook(upload, answers, meanwhile=None):
    """Build and store the result workbook; `meanwhile()` runs while it is built, in a thread
    of its own: the caller's wait for the database (its checks of the rows just written) and
    the workbook then share the time, on two cores."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-workbook") as pool:
        built = pool.submit(_build_in, upload.language, answers)
        if meanwhile is not None:
            meanwhile()
        handle = built.result()
    with handle:
        upload.result_file.save("result.xlsx", File(handle), save=False)
    upload.save(update_fields=["result_file"])


def _build_in(language, answers):
    with override(language):  # the language is the thread's own
        return build_workbook(answers)
