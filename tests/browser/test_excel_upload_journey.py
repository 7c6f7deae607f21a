"""Template download → fill in → upload → preview → confirm → result, in a real browser."""

import re
from datetime import date

import pytest
from celery.contrib.testing.worker import start_worker
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from cashback import celery_app
from registrations.core import registering
from registrations.core.models import Registration
from registrations.uploads import services as upload_services
from registrations.uploads.models import Upload
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, user):
    page.goto("/login/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Status overview")).to_be_visible()


def test_template_upload_preview_confirm_result(page, installer, campaign, known, tmp_path, screenshot):
    log_in(page, installer)
    page.locator("main").get_by_role("link", name="Upload Excel").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the Excel template").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    sheet.append(["1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "Jansen"])
    sheet.append(["4000000001", "STP10.0-3SE-40", date(2026, 5, 2), "3511 AB", "NL", ""])
    sheet.append(["1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "twice"])
    sheet.append(["1000000002", "STP10.0-3SE-40", "31-02-2026", "3511 AB", "NL", ""])
    filled = tmp_path / "my devices.xlsx"
    workbook.save(filled)

    page.get_by_label("File with your devices").set_input_files(str(filled))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="What the 4 rows would become")).to_be_visible()
    expect(page.get_by_text("is not an existing date")).to_be_visible()
    expect(page.get_by_text("appears more than once in this list")).to_be_visible()
    screenshot("upload-preview")
    assert not Registration.objects.exists()

    page.get_by_role("button", name="Register 2 rows").click()
    expect(page.get_by_text("The result workbook has every row of your file")).to_be_visible()
    screenshot("upload-result")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the result").click()
    result = tmp_path / "result.xlsx"
    download.value.save_as(result)
    outcomes = [row[6] for row in load_workbook(result).active.iter_rows(min_row=2, values_only=True)]
    assert outcomes == ["Registered", "Not registrable", "Twice in this file", "Invalid value"]
    assert Registration.objects.count() == 2

    page.get_by_role("link", name="See them in the status overview").click()
    expect(page.get_by_role("link", name="1000000001")).to_be_visible()


@pytest.fixture
def worker():
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield
    celery_app.conf.task_always_eager = True


def test_a_large_file_shows_progress_and_survives_a_reload(page, installer, campaign, known, settings, worker,
                                                           tmp_path, screenshot, monkeypatch):
    settings.UPLOAD_SYNC_MAX_ROWS = 10
    monkeypatch.setattr(registering, "_PROGRESS_EVERY", 5)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Serial number", "Product type", "Installation date", "Postcode"])
    for n in range(1, 100):
        sheet.append([f"10000000{n:02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB"])
    path = tmp_path / "large.xlsx"
    workbook.save(path)

    log_in(page, installer)
    page.goto("/registrations/uploads/")
    page.get_by_label("File with your devices").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/registrations/uploads/\d+/$"))  # the upload's page, before reloading it
    # Either still checking (the progress page) or already done; both end on the preview.
    page.reload()
    expect(page.get_by_role("heading", name="What the 99 rows would become")).to_be_visible(timeout=30000)
    page.get_by_role("button", name="Register 99 rows").click()
    expect(page.get_by_text("The result workbook has every row of your file")).to_be_visible(timeout=30000)
    assert Upload.objects.get().state == Upload.State.IMPORTED
    assert Registration.objects.count() == 99


def test_the_progress_page_polls_until_the_state_changes(page, installer, company, campaign, known, screenshot):
    """The page of a busy upload shows a progress bar that follows the worker and reloads when done."""
    upload = Upload.objects.create(
        company=company, uploaded_by=installer, original_name="big.xlsx", sha256="0" * 64, file="uploads/x.xlsx",
        file_format="xlsx", rows=50_000, state=Upload.State.CHECKING,
    )
    report = upload_services._progress(upload, "checking")
    report(12_500, 50_000)
    log_in(page, installer)
    page.goto(f"/registrations/uploads/{upload.pk}/")
    expect(page.locator("#progress")).to_have_attribute("value", "12500")
    screenshot("upload-progress")
    report(25_000, 50_000)
    expect(page.get_by_text("25000 of 50000 rows")).to_be_visible(timeout=5000)
    Upload.objects.filter(pk=upload.pk).update(state=Upload.State.CHECKED, rows=50_000, check_counts={})
    expect(page.get_by_role("heading", name="What the 50000 rows would become")).to_be_visible(timeout=5000)
