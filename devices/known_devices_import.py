"""Loading the maker's serial-number list (CSV or XLSX) into KnownDevice.

Streams the file and writes in batches, each in its own transaction: a list of a million
serials never sits in memory as model objects, and re-running the same file updates what
changed and creates nothing twice (an upsert on the unique serial).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from cashback.errors import DomainError
from cashback.spreadsheets import csv_rows

from .models import KnownDevice, ProductModel
from .serials import InvalidSerial, check_serial_length, normalize_serial

REQUIRED_COLUMNS = ("serial", "product_code")
BATCH_SIZE = 5000


class ImportFileError(DomainError):
    code = "bad_file"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: list = field(default_factory=list)  # (line number, serial text, problem)

    @property
    def bad(self):
        return len(self.bad_rows)


def import_known_devices(path, *, batch_size=BATCH_SIZE, progress=None):
    path = Path(path)
    rows = _read_rows(path)
    header = next(rows, None)
    if header is None:
        raise ImportFileError(f"{path.name} is empty")
    columns = _columns(header)
    products = ProductModel.by_lookup_key()
    report = ImportReport()
    seen = set()
    batch = {}
    for line, values in enumerate(rows, start=2):
        if not any(_text(v) for v in values):
            continue
        report.rows += 1
        parsed = _parse(values, columns, products)
        if isinstance(parsed, str):
            report.bad_rows.append((line, _text(_get(values, columns["serial"])), parsed))
            continue
        serial = parsed[0]
        if serial in seen:
            report.bad_rows.append((line, serial, "serial number appears more than once in the file"))
            continue
        seen.add(serial)
        batch[serial] = parsed
        if len(batch) >= batch_size:
            _write(batch, report)
            batch = {}
            if progress:
                progress(report)
    if batch:
        _write(batch, report)
    return report


def _write(batch, report):
    now = timezone.now()
    adapt_date = connection.ops.adapt_datefield_value
    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic():
        existing = {
            serial: (product_id, produced_on)
            for serial, product_id, produced_on in KnownDevice.objects.filter(serial__in=list(batch)).values_list(
                "serial", "product_id", "produced_on"
            )
        }
        changed = []
        for serial, (_, product, produced_on) in batch.items():
            before = existing.get(serial)
            if before is None:
                report.created += 1
            elif before != (product.pk, produced_on):
                report.updated += 1
            else:
                report.unchanged += 1
                continue
            changed.append((serial, product.pk, adapt_date(produced_on), stamp))
        if changed:
            _upsert(changed)


def _upsert(rows):
    """INSERT ... ON CONFLICT (serial) DO UPDATE, the same SQL on PostgreSQL and SQLite.

    Written out rather than through bulk_create(update_conflicts=True): building a million
    model instances and compiling their SQL took two thirds of the import time.
    """
    meta = KnownDevice._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = [connection.ops.quote_name(meta.get_field(name).column)
               for name in ("serial", "product", "produced_on", "imported_at")]
    placeholders = ",".join(["(%s,%s,%s,%s)"] * len(rows))
    updates = ",".join(f"{column} = excluded.{column}" for column in columns[1:])
    sql = (
        f"INSERT INTO {table} ({','.join(columns)}) VALUES {placeholders} "
        f"ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


def _parse(values, columns, products):
    """(serial, product, produced_on) or the problem as text."""
    code = _text(_get(values, columns["product_code"]))
    product = products.get(ProductModel.lookup_key(code))
    if product is None:
        return f"unknown product code {code!r}" if code else "product_code is empty"
    try:
        serial = normalize_serial(_text(_get(values, columns["serial"])))
        check_serial_length(serial, product.family)
    except InvalidSerial as error:
        return str(error)
    produced_on = None
    if "produced_on" in columns:
        raw = _get(values, columns["produced_on"])
        if raw not in (None, ""):
            produced_on = _date(raw)
            if produced_on is None:
                return f"produced_on {raw!r} is not a date (use yyyy-mm-dd)"
    return serial, product, produced_on


def _columns(header):
    names = [_text(name).lower().replace(" ", "_") for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise ImportFileError(
            f"the header row lacks {', '.join(missing)} (found: {', '.join(n for n in names if n) or 'nothing'}); "
            "expected serial,product_code[,produced_on]"
        )
    return {name: names.index(name) for name in (*REQUIRED_COLUMNS, "produced_on") if name in names}


def _read_rows(path):
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return _spreadsheet_rows(path)
    if suffix in (".csv", ".txt"):
        return csv_rows(path)  # streamed: the list may have millions of lines
    raise ImportFileError(f"{path.name}: use a .csv or .xlsx file")


def _spreadsheet_rows(path):
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as error:  # calamine raises several types for unreadable files
        raise ImportFileError(f"{path.name} cannot be read as a spreadsheet: {error}") from error
    yield from sheet.iter_rows()


def _get(values, index):
    return values[index] if index < len(values) else None


def _text(value):
    """Cell text; a serial that a spreadsheet stored as a number comes back without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None

