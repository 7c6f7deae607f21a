"""Reading an uploaded sheet: the header found by its names, every row as a device or with the
error of one cell.

Files come from Excel, LibreOffice and Google Sheets, with title rows above the header,
headers in Dutch, French or English in any order, dates as cells or as text, and serial
numbers that Excel turned into numbers.
"""

import gzip
import json
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain, islice
from operator import itemgetter

from django.conf import settings
from django.utils.translation import gettext_lazy

from cashback.errors import DomainError, InvalidInput, Message, as_message_data
from cashback.formatting import quoted
from cashback.spreadsheets import FileRefused, formula_cells_without_value, iter_rows
from devices.models import ProductModel

from ..core.rows import DeviceRow
from .columns import REQUIRED, column_titles, header_key, header_names

HEADER_SCAN_ROWS = 25


@contextmanager
def local_path(upload):
    """The stored file as a local path: itself with local storage, a temporary copy from S3."""
    try:
        path = upload.file.path
    except NotImplementedError:  # a bucket has no local paths
        path = None
    if path is not None:
        yield path
        return
    with tempfile.NamedTemporaryFile(suffix="-" + upload.file.name.rsplit("/", 1)[-1]) as copy:
        with upload.file.open("rb") as source:
            for chunk in source.chunks():
                copy.write(chunk)
        copy.flush()
        yield copy.name


def read_upload(upload):
    """Every data row of the stored file (FileRefused when the file cannot be read at all)."""
    with local_path(upload) as path:
        fmt = upload.file_format
        formulas = formula_cells_without_value(path) if fmt == "xlsx" else frozenset()
        rows = iter_rows(path, fmt, max_rows=settings.UPLOAD_MAX_ROWS + HEADER_SCAN_ROWS)
        return parse(rows, upload.company, formulas)


def dump_sheet(sheet):
    """The rows as read (parse()), compact, to keep with the upload: confirming then decides them
    again from here instead of parsing the file a second time. Devices column by column; rows
    that could not be read with their cells and the error, as data to translate."""
    devices = [row for row in sheet if row.device is not None]
    data = {
        "version": 1,
        "number": [row.number for row in devices],
        "serial": [row.device.serial for row in devices],
        "product": [row.device.product_code for row in devices],
        "installed_on": [d.toordinal() if (d := row.device.installed_on) else None for row in devices],
        "postcode": [row.device.postcode for row in devices],
        "country": [row.device.country for row in devices],
        "reference": [row.device.reference for row in devices],
        "unread": [
            {"number": row.number, "raw": {name: _cell_data(value) for name, value in row.raw.items()},
             "field": row.error.field, "code": row.error.code, "message": as_message_data(row.error.message)}
            for row in sheet if row.device is None
        ],
    }
    return gzip.compress(json.dumps(data, separators=(",", ":")).encode(), compresslevel=1)


def load_sheet(blob):
    """dump_sheet() read back: the same SheetRows, in the file's order."""
    data = json.loads(gzip.decompress(blob))
    shared = {}
    rows = [
        SheetRow(number, None, DeviceRow(serial, product, date.fromordinal(day) if day else None,
                                         shared.setdefault(postcode, postcode), shared.setdefault(country, country),
                                         reference))
        for number, serial, product, day, postcode, country, reference in zip(
            data["number"], data["serial"], data["product"], data["installed_on"], data["postcode"],
            data["country"], data["reference"])
    ]
    unread = [
        SheetRow(row["number"], {name: _cell_value(value) for name, value in row["raw"].items()},
                 error=InvalidInput(Message.from_data(row["message"]), field=row["field"], code=row["code"]))
        for row in data["unread"]
    ]
    if unread:
        rows = sorted(rows + unread, key=lambda row: row.number)
    return rows


def _cell_data(value):
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _cell_value(value):
    if isinstance(value, dict):
        return datetime.fromisoformat(value["datetime"]) if "datetime" in value else date.fromisoformat(value["date"])
    return value


def find_header(rows):
    """(row index, {column: cell index}) of the first row that names the required columns."""
    names = header_names()
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = {}
        for position, cell in enumerate(row):
            column = names.get(header_key(cell))
            if column and column not in found:
                found[column] = position
        if all(column in found for column in REQUIRED):
            return index, found
    titles = column_titles()
    raise FileRefused(
        Message(gettext_lazy("No header row found. The first sheet needs the columns %(columns)s; download the "
                             "template to see how."), columns=", ".join(f"“{titles[c]}”" for c in REQUIRED))
    )


@dataclass(slots=True)
class SheetRow:
    number: int  # as the spreadsheet shows it (1 is the first row)
    raw: dict | None  # column -> the cell as read, kept for rows that could not be read

    device: DeviceRow | None = None
    error: DomainError | None = None


def parse(rows, company, formula_cells=frozenset()):
    """The data rows below the header, each as a DeviceRow or with the error of one cell.

    `rows` may be a generator; it is read once.
    """
    rows = iter(rows)
    head = list(islice(rows, HEADER_SCAN_ROWS))
    header, columns = find_header(head)
    products = ProductModel.by_lookup_key()
    names, positions = list(columns), list(columns.values())
    width = max(positions) + 1
    # The named columns' cells, in `names` order (a tuple: at least the four required ones).
    named_cells = itemgetter(*positions)
    formula_rows = {row for row, _column in formula_cells}
    shared = {}  # one string object per distinct product type, country, ...: 100,000 copies are memory
    device_of = _DeviceReader(names, company, products, shared)
    parsed = []
    for index, cells in enumerate(chain(head, rows)):
        if index <= header:
            continue
        if len(cells) < width:
            cells = list(cells) + [None] * (width - len(cells))
        values = named_cells(cells)
        if not any(values) and all(value is None or value == "" for value in values):
            continue
        try:
            if index in formula_rows:
                _refuse_formulas(index, columns, formula_cells)
            parsed.append(SheetRow(index + 1, None, device_of(values)))
        except DomainError as error:
            # The cells as read are kept for a row that could not be read, to show them back;
            # the error without its frames (they would hold every row read so far).
            parsed.append(SheetRow(index + 1, dict(zip(names, values)), error=error.with_traceback(None)))
    if not parsed:
        raise FileRefused(gettext_lazy("The file has a header but no devices below it."))
    if len(parsed) > settings.UPLOAD_MAX_ROWS:
        raise FileRefused(
            Message(gettext_lazy("The file has %(rows)s devices; the limit is %(limit)s per file. Split it into "
                                 "smaller files."), rows=len(parsed), limit=settings.UPLOAD_MAX_ROWS)
        )
    return parsed


def _refuse_formulas(index, columns, formula_cells):
    for column, position in columns.items():
        if (index, position) in formula_cells:
            raise InvalidInput(
                gettext_lazy("The cell holds a formula without a calculated value. Open the file in Excel or "
                             "LibreOffice, save it, and upload it again."),
                field=column,
            )


class _DeviceReader:
    """A row's cells (in the order of `names`) as a DeviceRow, or the DomainError of a cell."""

    def __init__(self, names, company, products, shared):
        # Where each column's cell is among the named ones (country and reference may be absent).
        positions = {name: index for index, name in enumerate(names)}
        self.serial, self.product = positions["serial"], positions["product"]
        self.installed_on, self.postcode = positions["installed_on"], positions["postcode"]
        self.country, self.reference = positions.get("country"), positions.get("reference")
        self.company_country, self.products, self.shared = company.country, products, shared

    def __call__(self, values):
        shared = self.shared
        product_code = cell_text(values[self.product])
        product_code = shared.setdefault(product_code, product_code)
        serial, from_number = _serial(values[self.serial])
        if from_number:
            # A number has no leading zeros: Excel dropped them, the family's length restores them.
            product = self.products.get(ProductModel.lookup_key(product_code))
            if product and len(serial) < product.family.serial_length:
                serial = serial.zfill(product.family.serial_length)
        country = (cell_text(values[self.country]) if self.country is not None else "") or self.company_country
        postcode = cell_text(values[self.postcode])
        return DeviceRow(
            serial,
            product_code,
            _date(values[self.installed_on]),
            shared.setdefault(postcode, postcode),
            shared.setdefault(country, country),
            cell_text(values[self.reference]) if self.reference is not None else "",
        )


_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE]\+?\d+$")


def _serial(value):
    """(serial text, came as a number). Numbers lose digits beyond Excel's 15: refused."""
    if isinstance(value, bool):
        value = str(value)
    if type(value) is str:
        text = value.strip()
        if ("e" in text or "E" in text) and _SCIENTIFIC.match(text):
            raise _shortened(text)
        return text, False
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            raise InvalidInput(Message(gettext_lazy("The serial number %(value)s is not a whole number."),
                                       value=quoted(value)), field="serial")
        if abs(value) >= 1e15:
            raise InvalidInput(
                Message(gettext_lazy(
                    "Excel stored the serial number as a number and kept only its first 15 digits (%(value)s). "
                    "Format the column as text, type the serial number again and upload the file again."
                ), value=f"{value:.0f}"),
                field="serial",
            )
        return str(int(value)), True
    text = cell_text(value)
    if _SCIENTIFIC.match(text):
        raise _shortened(text)
    return text, False


def _shortened(text):
    return InvalidInput(
        Message(gettext_lazy("The serial number %(value)s was shortened by Excel. Format the column as text, "
                             "type the serial number again and upload the file again."), value=quoted(text)),
        field="serial",
    )


_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_EXCEL_EPOCH = date(1899, 12, 30)


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 20000 < value < 80000:
        # A date cell that arrived as its serial number (days since 1899-12-30).
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = cell_text(value)
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        year = year + 2000 if year < 100 else year
    else:
        match = _ISO.match(text)
        if not match:
            raise InvalidInput(
                Message(gettext_lazy("“%(value)s” is not a date; write it as dd-mm-yyyy, for example 01-05-2026."),
                        value=quoted(text)),
                field="installed_on",
            )
        year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(Message(gettext_lazy("%(value)s is not an existing date."), value=quoted(text)),
                           field="installed_on") from None


def cell_text(value):
    """A cell as text: whole numbers without ".0", dates as ISO."""
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).strip()
