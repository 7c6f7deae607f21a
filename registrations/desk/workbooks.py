"""A desk figure as a workbook: the selection it is of, then its table (euros as numbers)."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from cashback.formatting import format_day
from cashback.xlsx import euro_cell, text_safe_cell

from .selectors import Money


def figure_workbook(figure, selection):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(figure.title))
    bold = Font(bold=True)

    def cell(value, **style):
        if isinstance(value, Money):
            made = euro_cell(sheet, int(value))
        else:
            made = text_safe_cell(sheet, value if isinstance(value, (int, float)) else str(value))
        for name, setting in style.items():
            setattr(made, name, setting)
        return made

    sheet.append([cell(figure.title, font=bold)])
    sheet.append([cell(_("Campaign")), cell(selection.campaign.name)])
    sheet.append([cell(_("Period")), cell(f"{format_day(selection.start)} – {format_day(selection.end)}")])
    sheet.append([cell(_("Country")), cell(selection.country or _("All countries"))])
    sheet.append([])
    for label, value in figure.numbers:
        sheet.append([cell(label), cell(value)])
    sheet.append([])
    sheet.append([cell(header, font=bold) for header in figure.headers])
    for row in figure.rows:
        sheet.append([cell(value) for value in row])
    if figure.note:
        sheet.append([])
        sheet.append([cell(figure.note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title):
    return "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31]
