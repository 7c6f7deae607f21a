"""Writing workbooks people open in Excel: cells that stay text, and the one XLSX media type."""

from openpyxl.cell import WriteOnlyCell

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text_safe_cell(sheet, value, number_format=None):
    """A write-only cell in which text stays text: openpyxl would store "=..." as a formula.

    In XLSX a string cell is never evaluated, so the text is kept as it is (no quote prefix,
    which Excel would show).
    """
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    return cell


def text_safe_row(sheet, values):
    """A row for sheet.append() in which every text value is a text cell."""
    return [text_safe_cell(sheet, v) if isinstance(v, str) else v for v in values]


EUROS = '"€" #,##0.00'


def euro_cell(sheet, cents):
    """An amount as a number cell in euros, shown with two decimals in its reader's style."""
    return text_safe_cell(sheet, cents / 100, EUROS)
