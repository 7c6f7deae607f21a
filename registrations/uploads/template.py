"""The Excel template installers download, fill in and upload (made with openpyxl)."""

import tempfile

from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from cashback.formatting import format_money

from ..companies.choices import Country
from .columns import COLUMNS, column_titles

TEMPLATE_ROWS = 5000  # rows with drop-downs and checks; more can be typed below
_WIDTHS = {"serial": 18, "product": 22, "installed_on": 18, "postcode": 14, "country": 10, "reference": 28}


def build_template(campaign, campaign_products, company):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Registrations")
    lists = workbook.create_sheet("Lists")
    lists.sheet_state = "hidden"
    instructions = workbook.create_sheet(_("Instructions"))

    titles = column_titles()
    header_fill = PatternFill("solid", fgColor="1D2733")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=titles[column])
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = _WIDTHS[column]
    sheet.freeze_panes = "A2"

    # Column styles, not formatted empty cells: Excel and LibreOffice apply them to what is
    # typed, and the sheet stays empty below the header (a program appending rows starts at
    # row 2). Text keeps leading zeros and every digit of long serial numbers.
    sheet.column_dimensions["A"].number_format = "@"
    sheet.column_dimensions["C"].number_format = "DD-MM-YYYY"
    sheet.column_dimensions["D"].number_format = "@"

    # The drop-down lists live on a hidden sheet, so the product list can be as long as it needs.
    codes = [line.product.code for line in campaign_products]
    lists["A1"] = titles["product"]
    for row, code in enumerate(codes, start=2):
        lists.cell(row=row, column=1, value=code)
    lists["B1"] = titles["country"]
    for row, country in enumerate(Country.values, start=2):
        lists.cell(row=row, column=2, value=country)

    last = TEMPLATE_ROWS + 1
    product_list = DataValidation(
        type="list", formula1=f"=Lists!$A$2:$A${len(codes) + 1}", allow_blank=True, showErrorMessage=True,
        errorTitle=titles["product"], error=_("Choose a product type from the list."),
    )
    product_list.add(f"B2:B{last}")
    country_list = DataValidation(
        type="list", formula1=f"=Lists!$B$2:$B${len(Country.values) + 1}", allow_blank=True, showErrorMessage=True,
        errorTitle=titles["country"], error=_("Choose NL, BE or LU."),
    )
    country_list.add(f"E2:E{last}")
    start, end = campaign.installation_starts_on, campaign.installation_ends_on
    dates = DataValidation(
        type="date", operator="between",
        formula1=f"DATE({start.year},{start.month},{start.day})", formula2=f"DATE({end.year},{end.month},{end.day})",
        allow_blank=True, showErrorMessage=True, errorTitle=titles["installed_on"],
        error=_("Enter a date between %(start)s and %(end)s, as dd-mm-yyyy.")
        % {"start": start.strftime("%d-%m-%Y"), "end": end.strftime("%d-%m-%Y")},
    )
    dates.add(f"C2:C{last}")
    serial_hint = DataValidation(
        type="textLength", operator="between", formula1="4", formula2="32", allow_blank=True,
        showInputMessage=True, promptTitle=titles["serial"],
        prompt=_("The serial number from the type label, digits only."),
    )
    serial_hint.add(f"A2:A{last}")
    for validation in (product_list, country_list, dates, serial_hint):
        sheet.add_data_validation(validation)

    _instructions(instructions, campaign, campaign_products, company, titles)
    workbook.active = 0
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def _instructions(sheet, campaign, campaign_products, company, titles):
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
    wrap = Alignment(wrap_text=True, vertical="top")
    lines = [
        (campaign.name, ""),
        ("", ""),
        (_("How it works"), _(
            "Fill in one device per row on the sheet “%(sheet)s” and upload this file on the cashback website "
            "(Status overview → Upload Excel). You see a preview of every row before anything is registered."
        ) % {"sheet": _("Registrations")}),
        (titles["serial"], _("From the type label of the device, digits only. The column is formatted as text: "
                             "keep it that way so leading zeros stay.")),
        (titles["product"], _("Choose from the list; only these products take part in the campaign.")),
        (titles["installed_on"], _("As dd-mm-yyyy, between %(start)s and %(end)s.") % {
            "start": formats.date_format(campaign.installation_starts_on),
            "end": formats.date_format(campaign.installation_ends_on),
        }),
        (titles["postcode"], _("Of the installation address, e.g. 1234 AB (NL) or 1000 (BE, LU).")),
        (titles["country"], _("NL, BE or LU. Empty: %(country)s.") % {"country": company.country}),
        (titles["reference"], _("Optional: your own order or customer number, to find the device back.")),
        ("", ""),
        (_("Deadline"), _("Register devices by %(date)s.") % {
            "date": formats.date_format(campaign.registration_deadline)
        }),
        (_("After uploading"), _(
            "You get a workbook with the outcome of every row. Correct the rows that were refused and upload "
            "that workbook again: rows that are already registered are not registered twice."
        )),
        ("", ""),
        (_("Products and cashback"), ""),
    ] + [(line.product.code, f"{line.product.family.name}: {format_money(line.amount_cents)}")
         for line in campaign_products]
    for row, (label, text) in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=label).font = Font(bold=True, size=14 if row == 1 else 11)
        sheet.cell(row=row, column=2, value=text).alignment = wrap
