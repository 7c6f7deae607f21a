"""More information needed → the email's link → upload an invoice → staff review → approve →
the installer sees the decision. The installer's side runs at desktop and at phone width."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from devices.models import CampaignProduct
from registrations.core.choices import Status
from registrations.core.models import Registration
from tests.browser.conftest import confirm
from tests.files import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_email_link_upload_review_approve(page, browser, live_server, settings, register, campaign, installer, staff,
                                          tmp_path, screenshot):
    settings.SITE_URL = live_server.url
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    registration = register(reference="Fam. Jansen")
    assert registration.status == Status.MORE_INFO
    [email] = mail.outbox
    link = re.search(r"http://\S+/documents/", email.body).group(0)

    # The installer follows the email's link, logs in and lands on the upload page.
    page.goto(link)
    page.get_by_label("Email address").fill(installer.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Upload documents")).to_be_visible()
    expect(page.get_by_text("14 days left")).to_be_visible()
    screenshot("documents-upload")

    invoice = tmp_path / "factuur 2026-0142.pdf"
    invoice.write_bytes(pdf_bytes())
    page.get_by_label("What is it?").select_option(label="Invoice")
    page.get_by_label("Files").set_input_files(str(invoice))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("we received your documents and will review them")).to_be_visible()
    expect(page.get_by_role("link", name="factuur 2026-0142.pdf")).to_be_visible()
    screenshot("documents-received")

    # The campaign team opens the queue and approves from the review screen.
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                        base_url=live_server.url)
    staff_context.set_default_timeout(15000)
    review = staff_context.new_page()
    review.goto("/login/")
    review.get_by_label("Email address").fill(staff.email)
    review.get_by_label("Password").fill("correct-horse-battery")
    review.get_by_role("button", name="Log in").click()
    review.goto("/review/")
    expect(review.get_by_text("Documents waiting for review")).to_be_visible()
    screenshot("review-queue", review, device="desktop")
    review.get_by_role("link", name="Start with the oldest").click()
    expect(review.locator("object.document-view")).to_be_attached()
    expect(review.get_by_text("Zonnewerk B.V.")).to_be_visible()
    screenshot("review-screen", review, device="desktop")
    confirm(review, "Approve", re.compile("^Yes, approve"))
    expect(review.get_by_text("Nothing to review. Well done.")).to_be_visible()
    staff_context.close()

    registration.refresh_from_db()
    assert (registration.status, registration.amount_cents) == (Status.ACCEPTED, 20000)

    # The installer sees the decision.
    page.goto(f"/registrations/{registration.pk}/")
    expect(page.get_by_text("Your documents were approved.")).to_be_visible()
    screenshot("documents-approved")
    assert Registration.objects.get().history.count() == 3
