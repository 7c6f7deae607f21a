"""Reading tabular files that people send: XLSX, XLS, ODS and CSV, safely.

The format is decided by the file's content, never by its name. Zip containers (XLSX, ODS)
are checked for their uncompressed size and compression ratio before anything parses them
(a zip bomb is refused, not unpacked). Spreadsheets are read with python-calamine (fast,
and it reads .xls and .ods too); CSV in UTF-8 with or without BOM, or Windows-1252, with
`;`, `,` or tab as separator.
"""

import codecs
import csv
import re
import zipfile
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext_lazy as _

from .errors import DomainError, Message

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class FileRefused(DomainError):
    code = "bad_file"


@dataclass
class Limits:
    max_bytes: int
    max_uncompressed_bytes: int
    max_compression_ratio: int


def detect_format(path):
    """'xlsx', 'ods', 'xls' or 'csv' from the first bytes; FileRefused for anything else."""
    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    if not head.strip():
        raise FileRefused(_("The file is empty."))
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                    return "xlsx"
                if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                    return "ods"
        except zipfile.BadZipFile:
            raise FileRefused(_("The file is damaged and cannot be opened. Save it again and upload it once more."))
        raise _not_a_spreadsheet()
    if head.startswith(OLE_MAGIC):
        # Either an old .xls or a password-protected .xlsx (an encrypted package in the same
        # container); calamine tells them apart when it opens the file.
        return "xls"
    if b"\x00" in head:
        raise _not_a_spreadsheet()
    return "csv"


def check_size(path, size, fmt, limits):
    """Refuse files over the size limit and zip containers that would unpack too large."""
    if size > limits.max_bytes:
        raise FileRefused(
            Message(_("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files."),
                    size=_megabytes(size), limit=_megabytes(limits.max_bytes))
        )
    if fmt in ("xlsx", "ods"):
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.max_uncompressed_bytes or unpacked > max(size, 1) * limits.max_compression_ratio:
            raise FileRefused(
                Message(_("The file unpacks to %(size)s MB, far more than a sheet of devices needs; it was not "
                          "opened."), size=_megabytes(unpacked))
            )


def iter_rows(path, fmt, max_rows):
    """The rows of the first sheet as lists of values (str, float, int, date, datetime),
    from the sheet's first row, so that index + 1 is the row number people see. A generator:
    100,000 rows never sit in memory all at once.

    Refuses a sheet with more than `max_rows` non-empty rows as soon as it gets there.
    """
    filled = 0
    for row in _rows(path, fmt):
        # any(row) first: nearly every row has a truthy first cell, and the exact test
        # (0 and False are values too) is ten times slower.
        if any(row) or any(value != "" and value is not None for value in row):
            filled += 1
            if filled > max_rows:
                raise _too_many_rows(max_rows)
        yield row


def count_rows(path, fmt, stop_after):
    """Non-empty rows, counted up to stop_after + 1 (enough to decide where to process it)."""
    filled = 0
    try:
        for row in _rows(path, fmt):
            if any(value not in ("", None) for value in row):
                filled += 1
                if filled > stop_after:
                    break
    except FileRefused:
        return 0  # reading it properly will say what is wrong
    return filled


def _rows(path, fmt):
    if fmt == "csv":
        yield from csv_rows(path)
        return
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except PasswordError:
        raise FileRefused(_("The file is protected with a password. Save it without a password and upload it again."))
    except Exception:  # calamine raises several error types for a broken file
        raise FileRefused(_("The file is damaged and cannot be opened. Save it again and upload it once more."))
    if sheet.start is None:
        return
    # calamine starts at the first used cell; pad so that indexes are the sheet's own.
    first_row, first_column = sheet.start
    for _index in range(first_row):
        yield []
    padding = [""] * first_column
    for row in sheet.iter_rows():
        yield padding + row if first_column else row


def formula_cells_without_value(path):
    """Cells of the first XLSX sheet that hold a formula but no calculated value, as
    {(row index, column index)}: a program that never calculated the sheet (some
    generators do this) leaves them empty, and an empty cell must not pass for data."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(_first_sheet(archive))
    if b"<f" not in xml:
        return set()
    found = set()
    for match in _CELL.finditer(xml):
        body = match.group(2)
        if body.startswith(b"<f") and not _VALUE.search(body) and b"<is>" not in body:
            found.add(_cell_index(match.group(1).decode()))
    return found


_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*>(.*?)</c>', re.S)
_VALUE = re.compile(rb"<v>[^<]+</v>")
_SHEET = re.compile(rb'<sheet\b[^>]*?\br:id="([^"]+)"')
_RELATIONSHIP = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]+)"[^>]*?\bTarget="([^"]+)"')


def _first_sheet(archive):
    """The part name of the workbook's first sheet (usually xl/worksheets/sheet1.xml)."""
    try:
        first = _SHEET.search(archive.read("xl/workbook.xml")).group(1)
        targets = {m.group(1): m.group(2).decode() for m in _RELATIONSHIP.finditer(
            archive.read("xl/_rels/workbook.xml.rels"))}
        target = targets[first]
        return target.lstrip("/") if target.startswith("/") else "xl/" + target
    except (KeyError, AttributeError):
        return "xl/worksheets/sheet1.xml"


def _cell_index(reference):
    letters = "".join(ch for ch in reference if ch.isalpha())
    column = 0
    for letter in letters:
        column = column * 26 + (ord(letter) - 64)
    return int(reference[len(letters):]) - 1, column - 1


def csv_rows(path):
    """Stream the rows of a CSV file, its encoding and separator found from its content."""
    encoding = _csv_encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        yield from csv.reader(handle, delimiter=_delimiter(sample))


def _csv_encoding(path):
    """UTF-8 (a BOM is dropped) if the whole file decodes as such, else Windows-1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _delimiter(sample):
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    counts = {sep: sum(line.count(sep) for line in lines) for sep in (";", ",", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _megabytes(size):
    return f"{size / 1_000_000:.1f}".rstrip("0").rstrip(".")


def _too_many_rows(max_rows):
    return FileRefused(
        Message(_("The file has more than %(limit)s rows. Split it into files of at most %(limit)s devices."),
                limit=formats.number_format(max_rows, force_grouping=True))
    )


def _not_a_spreadsheet():
    return FileRefused(_("This is not a spreadsheet. Upload the Excel template (.xlsx), or an .xls, .ods or .csv file."))
