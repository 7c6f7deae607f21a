"""Uploads of many devices at once: the file is kept, read, checked (the preview), and
registered when the installer confirms, through the same register_devices() as the form.

Files come from Excel, LibreOffice and Google Sheets, with title rows above the header,
headers in Dutch, French or English in any order, dates as cells or as text, and serial
numbers that Excel turned into numbers. Every row gets an answer; a file that cannot be
read changes nothing and says why.
"""

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain, islice

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cashback.errors import DomainError
from cashback.spreadsheets import (
    FileRefused,
    Limits,
    check_size,
    count_rows,
    detect_format,
    formula_cells_without_value,
    iter_rows,
)
from devices.models import ProductModel

from . import services
from .choices import RowResult, Source, Status, SystemJob
from .errors import InvalidInput, InvalidTransition
from .models import Upload
from .wording import describe_reason

log = logging.getLogger(__name__)

COLUMNS = ("serial", "product", "installed_on", "postcode", "country", "reference")
REQUIRED = ("serial", "product", "installed_on", "postcode")
HEADER_SCAN_ROWS = 25
PROBLEMS_SHOWN = 1000


def column_titles():
    """The template's column titles, in the active language."""
    return {
        "serial": _("Serial number"),
        "product": _("Product type"),
        "installed_on": _("Installation date"),
        "postcode": _("Postcode"),
        "country": _("Country"),
        "reference": _("Own reference"),
    }


# Other names people give these columns, besides the template's titles in nl, fr and en.
_SYNONYMS = {
    "serial": ["serial", "serialno", "serialnr", "sn", "serienr", "serie", "numerodeserie", "nserie", "nodeserie"],
    "product": ["product", "type", "model", "modele", "produit", "typeaanduiding", "typedesignation", "artikel"],
    "installed_on": ["date", "datum", "installed", "installedon", "installationdate", "dateinstallation",
                     "datedinstallation", "installatie", "geinstalleerdop", "datummontage", "inbedrijfstelling"],
    "postcode": ["zip", "zipcode", "postalcode", "postcodeinstallatie", "codepostal", "cp", "pc"],
    "country": ["land", "pays", "countrycode", "landcode"],
    "reference": ["reference", "referentie", "ref", "ownreference", "eigenreferentie", "votrereference", "kenmerk",
                  "ordernumber", "ordernummer", "projectnummer", "project"],
}


def _key(text):
    """Header text compared without case, accents, spaces and punctuation."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _header_names():
    names = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column, title in column_titles().items():
                names[_key(title)] = column
    for column, synonyms in _SYNONYMS.items():
        for synonym in synonyms:
            names.setdefault(synonym, column)
    return names


def find_header(rows):
    """(row index, {column: cell index}) of the first row that names the required columns."""
    names = _header_names()
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = {}
        for position, cell in enumerate(row):
            column = names.get(_key(cell))
            if column and column not in found:
                found[column] = position
        if all(column in found for column in REQUIRED):
            return index, found
    titles = column_titles()
    raise FileRefused(
        _("No header row found. The first sheet needs the columns %(columns)s; download the template to see how.")
        % {"columns": ", ".join(f"“{titles[c]}”" for c in REQUIRED)}
    )


@dataclass(slots=True)
class SheetRow:
    number: int  # as the spreadsheet shows it (1 is the first row)
    raw: dict | None  # column -> the cell as read, kept for rows that could not be read

    device: services.DeviceRow | None = None
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
    formula_rows = {row for row, _column in formula_cells}
    shared = {}  # one string object per distinct product type, country, ...: 100,000 copies are memory
    parsed = []
    for index, cells in enumerate(chain(head, rows)):
        if index <= header:
            continue
        if len(cells) < width:
            cells = list(cells) + [None] * (width - len(cells))
        values = [cells[position] for position in positions]
        if all(value is None or value == "" for value in values):
            continue
        raw = dict(zip(names, values))
        row = SheetRow(index + 1, raw)
        try:
            if index in formula_rows:
                _refuse_formulas(index, columns, formula_cells)
            row.device = _device(raw, company, products, shared)
            row.raw = None  # the device holds it now; 100,000 rows of dicts are memory
        except DomainError as error:
            row.error = error
        parsed.append(row)
    if not parsed:
        raise FileRefused(_("The file has a header but no devices below it."))
    if len(parsed) > settings.UPLOAD_MAX_ROWS:
        raise FileRefused(
            _("The file has %(rows)s devices; the limit is %(limit)s per file. Split it into smaller files.")
            % {"rows": len(parsed), "limit": settings.UPLOAD_MAX_ROWS}
        )
    return parsed


def _refuse_formulas(index, columns, formula_cells):
    for column, position in columns.items():
        if (index, position) in formula_cells:
            raise InvalidInput(
                _("The cell holds a formula without a calculated value. Open the file in Excel or "
                  "LibreOffice, save it, and upload it again."),
                field=column,
            )


def _device(raw, company, products, shared):
    product_code = shared.setdefault(_text(raw.get("product")), _text(raw.get("product")))
    serial, from_number = _serial(raw.get("serial"))
    if from_number:
        # A number has no leading zeros: Excel dropped them, the family's length restores them.
        product = products.get(ProductModel.lookup_key(product_code))
        if product and len(serial) < product.family.serial_length:
            serial = serial.zfill(product.family.serial_length)
    country = _text(raw.get("country")) or company.country
    postcode = _text(raw.get("postcode"))
    return services.DeviceRow(
        serial=serial,
        product_code=product_code,
        installed_on=_date(raw.get("installed_on")),
        postcode=shared.setdefault(postcode, postcode),
        country=shared.setdefault(country, country),
        reference=_text(raw.get("reference")),
    )


_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE]\+?\d+$")


def _serial(value):
    """(serial text, came as a number). Numbers lose digits beyond Excel's 15: refused."""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            raise InvalidInput(_("The serial number %(value)s is not a whole number.") % {"value": value}, field="serial")
        if abs(value) >= 1e15:
            raise InvalidInput(
                _("Excel stored the serial number as a number and kept only its first 15 digits (%(value)s). "
                  "Format the column as text, type the serial number again and upload the file again.")
                % {"value": f"{value:.0f}"},
                field="serial",
            )
        return str(int(value)), True
    text = _text(value)
    if _SCIENTIFIC.match(text):
        raise InvalidInput(
            _("The serial number %(value)s was shortened by Excel. Format the column as text, type the serial "
              "number again and upload the file again.") % {"value": text},
            field="serial",
        )
    return text, False


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
    text = _text(value)
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        year = year + 2000 if year < 100 else year
    else:
        match = _ISO.match(text)
        if not match:
            raise InvalidInput(
                _("“%(value)s” is not a date; write it as dd-mm-yyyy, for example 01-05-2026.") % {"value": text},
                field="installed_on",
            )
        year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(_("%(value)s is not an existing date.") % {"value": text}, field="installed_on") from None


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).strip()


# Checking and registering ------------------------------------------------------------


@dataclass(slots=True)
class RowAnswer:
    row: SheetRow
    kind: RowResult
    outcome: services.RowOutcome | None = None
    error: DomainError | None = None

    @property
    def message(self):
        """Written when read, in the active language: a preview shows only the first problems,
        and most of 100,000 rows never need their message until the result workbook."""
        if self.error is not None:
            column = column_titles().get(self.error.field) if self.kind == RowResult.INVALID else None
            return f"{column}: {self.error.message}" if column else str(self.error.message)
        outcome = self.outcome
        decision, clean = outcome.decision, outcome.clean
        return describe_reason(
            decision.reason, decision.params, serial=clean.serial, product_code=clean.product.code,
            campaign_name=outcome.campaign.name, amount_cents=decision.amount_cents, due_at=outcome.documents_due_at,
        )


def evaluate(upload, *, dry_run, progress=None):
    """Read the stored file and decide every row; with dry_run nothing is written."""
    with _local_copy(upload) as path:
        fmt = upload.file_format
        formulas = formula_cells_without_value(path) if fmt == "xlsx" else frozenset()
        rows = iter_rows(path, fmt, max_rows=settings.UPLOAD_MAX_ROWS + HEADER_SCAN_ROWS)
        sheet = parse(rows, upload.company, formulas)
    devices = [row for row in sheet if row.device is not None]
    outcomes = services.register_devices(
        company=upload.company,
        rows=[row.device for row in devices],
        source=Source.EXCEL,
        user=upload.uploaded_by,
        job=SystemJob.STAFF_IMPORT if upload.on_behalf else "",
        dry_run=dry_run,
        progress=progress,
    )
    decided = dict(zip((row.number for row in devices), outcomes))
    return [_answer(row, decided.get(row.number)) for row in sheet]


_KINDS = {
    Status.ACCEPTED: RowResult.REGISTERED,
    Status.MORE_INFO: RowResult.MORE_INFO,
    Status.NOT_REGISTRABLE: RowResult.NOT_REGISTRABLE,
}


def outcome_kind(outcome, error=None):
    """What became of a row (RowResult), the same for an upload and the API's bulk call."""
    error = error or (outcome.error if outcome else None)
    if error is None:
        return _KINDS[outcome.decision.status]
    if error.code == "duplicate_in_batch":
        return RowResult.DUPLICATE_IN_FILE
    if error.code == "duplicate":
        return RowResult.ALREADY_REGISTERED
    return RowResult.INVALID


def _answer(row, outcome):
    error = row.error or (outcome.error if outcome else None)
    return RowAnswer(row, outcome_kind(outcome, error), outcome, error)


def count(answers):
    counts = {kind.value: 0 for kind in RowResult}
    for answer in answers:
        counts[answer.kind] += 1
    return counts


def problems(answers):
    shown = []
    for answer in answers:
        if answer.kind != RowResult.REGISTERED:
            device, raw = answer.row.device, answer.row.raw
            shown.append({
                "row": answer.row.number,
                "serial": device.serial if device else _text(raw.get("serial")),
                "product": device.product_code if device else _text(raw.get("product")),
                "kind": answer.kind.value,
                "message": answer.message,
            })
            if len(shown) == PROBLEMS_SHOWN:
                break
    return shown


# The upload's life: received -> checked -> registered (or refused, cancelled, failed) -----


def receive(*, company, uploaded_file, user=None, on_behalf=False, language=None):
    """Store the file (it is evidence) and check what it is before anything reads it."""
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    upload = Upload(
        company=company,
        uploaded_by=user if user is not None and user.is_authenticated else None,
        on_behalf=on_behalf,
        original_name=(uploaded_file.name or "upload")[-255:],
        size=uploaded_file.size,
        sha256=digest.hexdigest(),
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
    )
    upload.file.save(uploaded_file.name or "upload", uploaded_file, save=False)
    try:
        with _local_copy(upload) as path:
            upload.file_format = detect_format(path)
            check_size(path, upload.size, upload.file_format, _limits())
    except FileRefused as refusal:
        upload.state, upload.error = Upload.State.REFUSED, str(refusal.message)
    upload.save()
    return upload


def earlier_upload_of_same_file(upload):
    return (
        Upload.objects.filter(company=upload.company, sha256=upload.sha256, state=Upload.State.IMPORTED)
        .exclude(pk=upload.pk)
        .first()
    )


def needs_worker(upload):
    """More rows than the web request should check or register: the worker does it."""
    with _local_copy(upload) as path:
        limit = settings.UPLOAD_SYNC_MAX_ROWS
        return count_rows(path, upload.file_format, stop_after=limit) > limit


def check(upload):
    """The preview: decide every row without writing; the upload becomes CHECKED or REFUSED."""
    _require_state(upload, Upload.State.CHECKING)
    with translation.override(upload.language):
        try:
            answers = evaluate(upload, dry_run=True, progress=_progress(upload, "checking"))
        except FileRefused as refusal:
            return _finish(upload, Upload.State.REFUSED, error=str(refusal.message))
        except Exception:
            log.exception("Checking upload %s failed", upload.pk)
            return _finish(upload, Upload.State.FAILED, error=_("Something went wrong while checking the file."))
        return _finish(
            upload, Upload.State.CHECKED, rows=len(answers), check_counts=count(answers), problems=problems(answers),
            checked_at=timezone.now(),
        )


def start_import(upload, *, user):
    """The installer confirms the preview; registering starts (here or in the worker)."""
    with transaction.atomic():
        current = Upload.objects.select_for_update().get(pk=upload.pk)
        if current.state != Upload.State.CHECKED:
            raise InvalidTransition(_("This upload was already registered or cancelled."))
        current.state = Upload.State.IMPORTING
        current.save(update_fields=["state"])
    upload.state = Upload.State.IMPORTING
    return upload


def register(upload):
    """Register every row in one transaction, then write the result workbook.

    A crash half-way leaves no registration behind: the transaction is rolled back and the
    upload is marked failed (the installer can upload the file again).
    """
    from .upload_results import write_result_workbook

    _require_state(upload, Upload.State.IMPORTING)
    with translation.override(upload.language):
        try:
            with transaction.atomic():
                answers = evaluate(upload, dry_run=False, progress=_progress(upload, "importing"))
                _finish(upload, Upload.State.IMPORTED, result_counts=count(answers), imported_at=timezone.now(),
                        rows=len(answers))
        except FileRefused as refusal:
            return _finish(upload, Upload.State.REFUSED, error=str(refusal.message))
        except Exception:
            log.exception("Registering upload %s failed", upload.pk)
            return _finish(
                upload, Upload.State.FAILED,
                error=_("Something went wrong while registering; nothing was registered. Upload the file again."),
            )
        write_result_workbook(upload, answers)
    return upload


def cancel(upload):
    with transaction.atomic():
        current = Upload.objects.select_for_update().get(pk=upload.pk)
        if current.state != Upload.State.CHECKED:
            raise InvalidTransition(_("This upload was already registered or cancelled."))
        current.state = Upload.State.CANCELLED
        current.save(update_fields=["state"])
    return current


def progress_of(upload):
    """{"phase", "done", "total"} while the worker is busy with the upload."""
    return cache.get(_progress_key(upload.pk)) or {"phase": upload.state, "done": 0, "total": upload.rows}


def _progress(upload, phase):
    key = _progress_key(upload.pk)
    cache.set(key, {"phase": phase, "done": 0, "total": upload.rows}, 3600)

    def report(done, total):
        # The cache, not the database: the registering transaction is still open.
        cache.set(key, {"phase": phase, "done": done, "total": total}, 3600)

    return report


def _progress_key(pk):
    return f"upload-progress:{pk}"


def _finish(upload, state, **fields):
    upload.state = state
    for name, value in fields.items():
        setattr(upload, name, value)
    upload.save(update_fields=["state", *fields])
    cache.delete(_progress_key(upload.pk))
    return upload


def _require_state(upload, state):
    if upload.state != state:
        raise InvalidTransition(f"upload {upload.pk} is {upload.state}, expected {state}")


def _limits():
    return Limits(
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_uncompressed_bytes=settings.UPLOAD_MAX_UNCOMPRESSED_BYTES,
        max_compression_ratio=settings.UPLOAD_MAX_COMPRESSION_RATIO,
    )


class _local_copy:
    """The stored file as a local path: itself with local storage, a temporary copy from S3."""

    def __init__(self, upload):
        self.upload = upload
        self.temporary = None

    def __enter__(self):
        try:
            return self.upload.file.path
        except NotImplementedError:
            import tempfile

            self.temporary = tempfile.NamedTemporaryFile(suffix="-" + self.upload.file.name.rsplit("/", 1)[-1])
            with self.upload.file.open("rb") as source:
                for chunk in source.chunks():
                    self.temporary.write(chunk)
            self.temporary.flush()
            return self.temporary.name

    def __exit__(self, *exc):
        if self.temporary is not None:
            self.temporary.close()
