"""An installer enters bank details; finance pays the month with four eyes; the installer sees
which serials were paid (installer side at desktop and phone width)."""

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from registrations.companies.models import User
from registrations.core.choices import Status
from registrations.core.models import Registration
from registrations.payouts.models import PayoutBatch
from tests.browser.conftest import confirm
from tests.conftest import PASSWORD

from .test_excel_upload_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff_page(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", base_url=live_server.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/staff/"))  # staff without a company land on their desk
    return page


def test_bank_details_batch_four_eyes_paid(page, browser, live_server, register, installer, screenshot):
    for n in range(1, 4):
        register(f"100000000{n}")
    log_in(page, installer)
    expect(page.get_by_text("3 accepted registrations (€ 600.00) wait for your bank details")).to_be_visible()
    page.locator("main").get_by_role("link", name="Bank details").first.click()
    page.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("This IBAN is not valid")).to_be_visible()
    page.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Bank details saved.")).to_be_visible()
    screenshot("bank-details")

    users = []
    for email in ("alice@example.com", "bob@example.com"):
        user = User.objects.create_user(email=email, password=PASSWORD, is_staff=True, first_name=email[:3].title())
        user.user_permissions.add(Permission.objects.get(codename="manage_payouts"))
        users.append(user)
    alice = staff_page(browser, live_server, users[0])
    alice.goto("/finance/new/")
    alice.get_by_role("button", name="Show what it would pay").click()
    expect(alice.get_by_text("3 registrations, € 600.00")).to_be_visible()
    alice.get_by_role("button", name="Create the batch").click()
    expect(alice.get_by_text("you created this batch")).to_be_visible()
    batch_url = alice.url
    bob = staff_page(browser, live_server, users[1])
    bob.goto(batch_url)
    bob.get_by_role("button", name="Approve").click()
    expect(bob.get_by_text("Export the SEPA file")).to_be_visible()
    confirm(bob, "Export the SEPA file", re.compile("^Yes, export and lock"))
    with bob.expect_download() as download:
        bob.get_by_role("link", name=re.compile(r"SEPA file")).click()
    assert download.value.suggested_filename.endswith(".xml")
    confirm(bob, "Mark as paid", re.compile(r"^Yes, CB-\S+ is paid"))
    expect(bob.get_by_text(re.compile(r"Paid on \d+"))).to_be_visible()
    screenshot("finance-batch", bob, device="desktop")
    alice.context.close()
    bob.context.close()

    assert PayoutBatch.objects.get().state == PayoutBatch.State.PAID
    assert set(Registration.objects.values_list("status", flat=True)) == {Status.PAID}
    page.goto("/payouts/")
    expect(page.get_by_text("€ 600.00")).to_be_visible()
    screenshot("payouts")
    with page.expect_download() as spec:
        page.get_by_role("link", name="Specification (Excel)").click()
    assert spec.value.suggested_filename.startswith("cashback-CB-")
