"""The files of a payout batch: the SEPA credit transfer (pain.001.001.03, made with sepaxml
and validated against the XSD) and the XLSX summary for finance and for the company."""

import io

from django.conf import settings
from lxml import etree
from openpyxl import Workbook
from sepaxml import SepaTransfer
from text_unidecode import unidecode

from cashback.xlsx import text_safe_row

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
    """The serials when they fit in the 140 characters of a SEPA remittance, else the batch."""
    listed = f"Cashback {reference}: " + " ".join(serials)
    if len(listed) <= REMITTANCE_MAX:
        return listed
    return f"Cashback {reference}: {len(serials)} devices, see the specification in the portal"


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
            "description": epc_text(remittance(batch.reference, payment.serials), REMITTANCE_MAX),
            "endtoend_id": payment.payment.end_to_end_id,  # unique in the batch, whatever the customer numbers
        }
        if payment.payment.bic:
            entry["BIC"] = payment.payment.bic
        transfer.add_payment(entry)
    xml = transfer.export(validate=True)  # against the official pain.001.001.03 XSD
    check_control_sum(xml, batch.total_cents, len(payments))
    return xml


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
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Payments")
    row = _safe_rows(sheet)
    sheet.append(["Batch", batch.reference])
    sheet.append(["Total (EUR)", batch.total_cents / 100])
    sheet.append(["Registrations", batch.item_count])
    sheet.append([])
    sheet.append(["Customer number", "Company", "Account holder", "IBAN", "BIC", "Devices", "Amount (EUR)"])
    for p in payments:
        row([p.company.customer_number, p.company.name, p.payment.holder, p.payment.iban, p.payment.bic,
             p.count, p.amount_cents / 100])
    devices = workbook.create_sheet("Devices")
    device_row = _safe_rows(devices)
    devices.append(["Customer number", "Company", "Serial number", "Product", "Amount (EUR)"])
    rows = (
        PayoutItem.objects.filter(batch=batch)
        .order_by("company__name", "serial")
        .values_list("company__customer_number", "company__name", "serial", "registration__product__code",
                     "amount_cents")
    )
    for number, name, serial, product, cents in rows.iterator(chunk_size=10_000):
        device_row([number, name, serial, product, cents / 100])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def company_specification(company, batch):
    """The company's own specification of one payout: which serials, how much."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Payout")
    sheet.append(["Payout", batch.reference])
    sheet.append(["Paid on", batch.executed_on.isoformat() if batch.executed_on else "—"])
    sheet.append([])
    sheet.append(["Serial number", "Product", "Installation date", "Own reference", "Amount (EUR)"])
    row = _safe_rows(sheet)
    total = 0
    for serial, product, installed, reference, cents in (
        PayoutItem.objects.filter(batch=batch, company=company).order_by("serial")
        .values_list("serial", "registration__product__code", "registration__installed_on",
                     "registration__reference", "amount_cents")
    ):
        row([serial, product, installed, reference, cents / 100])
        total += cents
    sheet.append([])
    sheet.append(["Total", None, None, None, total / 100])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _safe_rows(sheet):
    """Append rows whose text stays text: names and references come from installers, and
    openpyxl would store "=HYPERLINK(…)" as a formula next to everyone's IBAN."""

    def append(values):
        sheet.append(text_safe_row(sheet, values))

    return append
