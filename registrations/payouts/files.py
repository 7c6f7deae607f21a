"""The files of a payout batch: the SEPA credit transfer (pain.001.001.03, made with sepaxml
and validated against the XSD) and the XLSX summary for finance and for the company."""

import io

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree
from openpyxl import Workbook
from sepaxml import SepaTransfer
from text_unidecode import unidecode

from cashback.xlsx import euro_cell, text_safe_cell, text_safe_row

from .models import PayoutItem

SEPA_NS = "{urn:iso:std:iso:20022:tech:xsd:pain.001.001.03}"
REMITTANCE_MAX = 140
# The EPC's basic Latin character set: what every SEPA bank accepts in names and texts.
EPC_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")


def epc_text(value, limit):
    """Text a strict bank accepts: accents transliterated, "&" as "+", anything else a space."""
    text = unidecode(value or "").replace("&", "+")
    text = "".join(c if c in EPC_ALLOWED else " " for c in text)
    return " ".join(text.split())[:limit] or "-"


def remittance(reference, serials):
    """What the company reads on its bank statement, in the active language: the serials when
    they fit in the 140 characters of a SEPA remittance, else the batch and where to look."""
    listed = f"Cashback {reference}: " + " ".join(serials)
    if len(listed) <= REMITTANCE_MAX:
        return listed
    return _("Cashback %(reference)s: %(count)d devices, see the specification in the portal") % {
        "reference": reference, "count": len(serials),
    }


def sepa_xml(batch, payments, execution_date):
    debtor = settings.PAYOUT_DEBTOR
    config = {"name": epc_text(debtor["name"], 70), "IBAN": debtor["iban"], "batch": True, "currency": "EUR"}
    if debtor.get("bic"):
        config["BIC"] = debtor["bic"]
    transfer = SepaTransfer(config, schema="pain.001.001.03", clean=True)
    # The message id is the batch's: a bank refuses a second file with the same one.
    transfer._xml.find(".//GrpHdr/MsgId").text = batch.reference
    for payment in payments:
        entry = {
            "name": epc_text(payment.payment.holder, 70),
            "IBAN": payment.payment.iban,
            "amount": payment.amount_cents,  # sepaxml takes cents
            "execution_date": execution_date,
            "description": epc_text(_remittance_for(payment, batch.reference), REMITTANCE_MAX),
            "endtoend_id": payment.payment.end_to_end_id,  # unique in the batch, whatever the customer numbers
        }
        if payment.payment.bic:
            entry["BIC"] = payment.payment.bic
        transfer.add_payment(entry)
    xml = transfer.export(validate=True)  # against the official pain.001.001.03 XSD
    check_control_sum(xml, batch.total_cents, len(payments))
    return xml


def _remittance_for(payment, reference):
    with translation.override(payment.company.language):
        return remittance(reference, payment.serials)


def control_sum(xml):
    """(CtrlSum in cents, NbOfTxs) of the file's group header."""
    root = etree.fromstring(xml)
    header = root.find(f"{SEPA_NS}CstmrCdtTrfInitn/{SEPA_NS}GrpHdr")
    cents = int(round(float(header.findtext(f"{SEPA_NS}CtrlSum")) * 100))
    return cents, int(header.findtext(f"{SEPA_NS}NbOfTxs"))


def check_control_sum(xml, total_cents, payments):
    cents, count = control_sum(xml)
    if (cents, count) != (total_cents, payments):
        raise ValueError(f"SEPA control sum {cents}/{count} differs from the batch {total_cents}/{payments}")


def summary_workbook(batch, payments):
    """Finance's summary of a batch, in the active language: the payments, then every device."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Payments"))
    row = _safe_rows(sheet)
    row([_("Batch"), batch.reference])
    row([_("Total (EUR)"), euro_cell(sheet, batch.total_cents)])
    row([_("Registrations"), batch.item_count])
    sheet.append([])
    row([_("Customer number"), _("Company"), _("Account holder"), _("IBAN"), _("BIC"), _("Devices"),
         _("Amount (EUR)")])
    for p in payments:
        row([p.company.customer_number, p.company.name, p.payment.holder, p.payment.iban, p.payment.bic,
             p.count, euro_cell(sheet, p.amount_cents)])
    devices = workbook.create_sheet(_("Devices"))
    device_row = _safe_rows(devices)
    device_row([_("Customer number"), _("Company"), _("Serial number"), _("Product"), _("Amount (EUR)")])
    rows = (
        PayoutItem.objects.filter(batch=batch)
        .order_by("company__name", "serial")
        .values_list("company__customer_number", "company__name", "serial", "registration__product__code",
                     "amount_cents")
    )
    for number, name, serial, product, cents in rows.iterator(chunk_size=10_000):
        device_row([number, name, serial, product, euro_cell(devices, cents)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def company_specification(company, batch):
    """The company's own specification of one payout, in the active language: which serials,
    how much."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Payout"))
    row = _safe_rows(sheet)
    row([_("Payout"), batch.reference])
    row([_("Paid on"), _date(sheet, batch.executed_on) if batch.executed_on else "—"])
    sheet.append([])
    row([_("Serial number"), _("Product"), _("Installation date"), _("Own reference"), _("Amount (EUR)")])
    total = 0
    for serial, product, installed, reference, cents in (
        PayoutItem.objects.filter(batch=batch, company=company).order_by("serial")
        .values_list("serial", "registration__product__code", "registration__installed_on",
                     "registration__reference", "amount_cents")
    ):
        row([serial, product, _date(sheet, installed), reference, euro_cell(sheet, cents)])
        total += cents
    sheet.append([])
    row([_("Total"), None, None, None, euro_cell(sheet, total)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _date(sheet, day):
    return text_safe_cell(sheet, day, "dd-mm-yyyy")


def _safe_rows(sheet):
    """Append rows whose text stays text: names and references come from installers, and
    openpyxl would store "=HYPERLINK(…)" as a formula next to everyone's IBAN."""

    def append(values):
        sheet.append(text_safe_row(sheet, values))

    return append
