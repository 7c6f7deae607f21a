"""The gate for what leaves the portal: every file it makes and every email it sends is in the
reader's language (the company's for emails, the reader's for downloads), with no text of the
catalogues in another language (tests/language.py)."""

import csv
import io
import re
from datetime import date

import pytest
from django.core import mail
from django.utils import timezone, translation
from lxml import etree
from openpyxl import Workbook, load_workbook

from devices.models import CampaignProduct
from registrations.companies.services import invite_colleague, request_password_reset
from registrations.documents import deadlines
from registrations.documents import services as documents
from registrations.payouts import bank
from registrations.payouts import services as payouts
from registrations.payouts.files import SEPA_NS, remittance
from tests.files import pdf_bytes
from tests.language import wrong_language_in
from tests.payouts.helpers import ALL, finance_user
from tests.uploads.test_excel_upload import upload

LANGUAGES = ["nl", "fr", "en"]


def workbook_text(content):
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    cells = [workbook.sheetnames]
    for sheet in workbook.worksheets:
        cells += [str(value) for row in sheet.iter_rows(values_only=True) for value in row if isinstance(value, str)]
    return "\n".join(map(str, cells))


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def reader(installer, company):
    """The installer and the company reading `language` (set by the test)."""

    def read(language):
        company.language = installer.language = language
        company.save(), installer.save()
        return installer

    return read


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_files_an_installer_downloads(installer_client, reader, register, campaign, language):
    reader(language)
    register()
    register(serial="1999999999")
    files = {
        "export.xlsx": workbook_text(body(installer_client.get("/registrations/export.xlsx"))),
        "export.csv": body(installer_client.get("/registrations/export.csv")).decode("utf-8-sig"),
        "template.xlsx": workbook_text(body(installer_client.get("/registrations/template.xlsx"))),
    }
    sheet = Workbook()
    sheet.active.append(["Serial number", "Product type", "Installation date", "Postcode"])
    for row in (["1000000005", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB"],
                ["1999999998", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB"],
                ["1000000006", "STP10.0-3SE-40", "31-02-2026", "0123 AB"]):
        sheet.active.append(row)
    content = io.BytesIO()
    sheet.save(content)
    uploaded = upload(installer_client, content.getvalue()).context["upload"]
    files["check.xlsx"] = workbook_text(body(installer_client.get(f"/registrations/uploads/{uploaded.pk}/check.xlsx")))
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    result = installer_client.get(f"/registrations/uploads/{uploaded.pk}/result.xlsx")
    files["result.xlsx"] = workbook_text(body(result))
    for name, text in files.items():
        assert not wrong_language_in(text, language), (name, wrong_language_in(text, language))
    assert csv.reader(io.StringIO(files["export.csv"]), delimiter=";")


@pytest.fixture
def paid(company, installer, register):
    """A paid batch of three devices (the finance users read the language the test sets)."""
    bank.set_bank_account(company, iban="NL91ABNA0417164300", bic="", holder="Zonnewerk", user=installer)
    for n in range(1, 4):
        register(f"100000000{n}")
    alice, bob = finance_user("alice@example.com"), finance_user("bob@example.com")

    def pay(language):
        with translation.override(language):
            batch = payouts.create_batch(ALL, actor=alice)
            payouts.approve_batch(batch, actor=bob)
            payouts.export_batch(batch, actor=alice, execution_date=timezone.localdate())
            return payouts.mark_paid(batch, actor=bob, executed_on=timezone.localdate())

    return pay


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_payout_files(installer_client, reader, paid, language):
    reader(language)
    batch = paid(language)
    specification = workbook_text(body(installer_client.get(f"/payouts/{batch.pk}/specification.xlsx")))
    with batch.summary_file.open("rb") as stored:
        summary = workbook_text(stored.read())
    for name, text in (("specification", specification), ("summary", summary)):
        assert not wrong_language_in(text, language), (name, wrong_language_in(text, language))
    with translation.override(language):
        assert str(translation.gettext("Serial number")) in specification


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_remittance_on_the_bank_statement_is_in_the_companys_language(reader, paid, language):
    reader(language)
    serials = [f"10000{n:05d}" for n in range(30)]  # too many for the 140 characters: the summary line
    with translation.override(language):
        line = remittance("CB-20260615-ABCDEF", serials)
    with translation.override("en"):
        english = remittance("CB-20260615-ABCDEF", serials)
    assert line != english and not wrong_language_in(line, language)
    batch = paid(language)
    with batch.sepa_file.open("rb") as stored:
        xml = etree.fromstring(stored.read())
    [text] = [node.text for node in xml.iter(f"{SEPA_NS}Ustrd")]
    assert text.startswith(f"Cashback {batch.reference}: ")  # three serials: they fit, and say it all


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_every_email_in_the_companys_language(reader, register, campaign, company, installer, staff, time_machine,
                                              django_capture_on_commit_callbacks, paid, language):
    reader(language)
    with django_capture_on_commit_callbacks(execute=True):
        invite_colleague(company=company, email="new@zonnewerk.example", invited_by=installer)
        request_password_reset(installer)
        documents.request_documents(register("1000000009"), actor=staff, note="Audit")
        CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
        waiting = [register(f"200000000{n}", product_code="HM-20") for n in (1, 2, 3)]
        for registration in waiting[:2]:
            documents.add_documents(registration, user=installer, files=[("invoice", _pdf())])
        documents.approve(waiting[0], actor=staff)
        documents.reject(waiting[1], actor=staff, note="Factuur onleesbaar")
        bank.set_bank_account(company, iban="BE68539007547034", bic="", holder="Zonnewerk", user=installer)
    with django_capture_on_commit_callbacks(execute=True):
        time_machine.move_to("2026-06-22 02:00 +02:00")  # 7 days left: the reminder
        deadlines.run()
        time_machine.move_to("2026-07-02 02:00 +02:00")  # past the deadline: expired
        deadlines.run()
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=False)
    with django_capture_on_commit_callbacks(execute=True):
        paid(language)
    # An invitation, a password reset, documents needed, a reminder, an expiry, an approval, a
    # rejection, bank details changed (twice: once by the paid fixture), a payout.
    assert len(mail.outbox) >= 9, [message.subject for message in mail.outbox]
    for message in mail.outbox:
        html = re.sub(r"<[^>]+>", " ", message.alternatives[0][0]) if message.alternatives else ""
        for part, text in (("subject", message.subject), ("text", message.body), ("html", html)):
            found = wrong_language_in(text, language)
            assert not found, (message.subject, part, found)


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile


    return SimpleUploadedFile("factuur.pdf", pdf_bytes())


def test_the_emails_really_are_in_the_companys_language(reader, company, installer, django_capture_on_commit_callbacks):
    reader("fr")
    with django_capture_on_commit_callbacks(execute=True):
        invite_colleague(company=company, email="new@zonnewerk.example", invited_by=installer)
    [message] = mail.outbox
    assert message.subject == "Rejoignez Zonnewerk B.V. sur le portail SMA Cashback"
