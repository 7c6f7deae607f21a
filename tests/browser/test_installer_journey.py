"""An installer signs up and enrols, registers devices and finds them in the overview."""

import pytest
from playwright.sync_api import expect

from registrations.core.models import Registration
from tests.browser.conftest import header_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_enrol_register_and_see_it_in_the_overview(page, campaign, known, screenshot):
    page.goto("/")
    screenshot("landing")
    page.get_by_role("link", name="Enrol your company").first.click()

    page.get_by_label("First name").fill("Sanne")
    page.get_by_label("Last name").fill("de Vries")
    page.get_by_label("Your email address").fill("sanne@zonnewerk.example")
    page.get_by_label("Password", exact=True).fill("zonnepanelen-op-het-dak")
    page.get_by_label("Password again").fill("zonnepanelen-op-het-dak")
    page.get_by_label("Company name").fill("Zonnewerk Installaties B.V.")
    page.get_by_label("SMA customer number").fill("100200")
    page.get_by_label("VAT number").fill("NL004495445B01")
    page.get_by_label("Street and number").fill("Energieweg 12")
    page.get_by_label("Postcode").fill("3542 DR")
    page.get_by_label("City").fill("Utrecht")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("Contact email for status messages").fill("admin@zonnewerk.example")
    screenshot("signup")
    page.get_by_label("My company accepts the campaign terms.").check()
    page.get_by_role("button", name="Create account and enrol").click()

    # A new company is asked for its bank account first.
    expect(page.get_by_role("heading", name="Bank details", exact=True).first).to_be_visible()
    expect(page.get_by_text("Your company is enrolled in SMA Cashback 2026")).to_be_visible()
    header_menu(page).get_by_role("link", name="Status overview").click()
    expect(page.get_by_text("No devices registered yet.")).to_be_visible()
    expect(page.get_by_text("Enter your company's bank details")).to_be_visible()

    page.locator("main").get_by_role("link", name="Register a device").first.click()
    page.get_by_label("Serial number").fill("SN: 1000000001")
    page.get_by_label("Product type").select_option("STP10.0-3SE-40")
    page.get_by_label("Installation date").fill("2026-05-01")
    page.get_by_label("Installation postcode").fill("3511ab")
    page.get_by_label("Own reference (optional)").fill("Fam. Jansen")
    page.get_by_role("button", name="Register device").click()
    expect(page.get_by_role("status").filter(has_text="Registration successful, not yet paid")).to_be_visible()
    # The form is ready for the next device of the same installation.
    expect(page.get_by_label("Installation postcode")).to_have_value("3511 AB")
    screenshot("register-outcome")

    page.get_by_label("Serial number").fill("4000000001")
    page.get_by_label("Product type").select_option("STP10.0-3SE-40")
    page.get_by_role("button", name="Register device").click()
    expect(page.get_by_text("belongs to a STP5.0-3SE-40, not to a STP10.0-3SE-40")).to_be_visible()
    screenshot("register-refused")
    page.get_by_role("button", name="Register it as STP5.0-3SE-40").click()
    expect(page.get_by_role("status").filter(has_text="Registration successful, not yet paid")).to_be_visible()

    header_menu(page).get_by_role("link", name="Status overview").click()
    expect(page.get_by_role("link", name="1000000001")).to_be_visible()
    expect(page.get_by_text("Fam. Jansen")).to_be_visible()
    screenshot("overview")
    assert Registration.objects.count() == 2
    assert Registration.objects.get(serial="4000000001").product.code == "STP5.0-3SE-40"

    page.get_by_role("link", name="1000000001").click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    screenshot("detail")
