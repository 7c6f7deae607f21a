"""The upload as an installer follows it: what a second upload says, what cannot be confirmed,
what happens to a preview nobody confirms."""

from datetime import date, datetime, timedelta
from pathlib import Path

from django.utils import timezone, translation
from openpyxl import load_workbook

from registrations.core.choices import RowResult
from registrations.core.models import Registration
from registrations.documents import services as documents
from registrations.uploads import reading, services, tasks
from registrations.uploads.models import Upload
from tests.uploads.test_excel_upload import upload, workbook_bytes

UNKNOWN = ("1999999999", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "")
GOOD = ("1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "")


def registered(client, rows):
    uploaded = upload(client, workbook_bytes(rows)).context["upload"]
    client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    return uploaded


def test_a_refused_serial_sent_again_is_refused_before_not_already_registered(installer_client):
    registered(installer_client, [UNKNOWN, GOOD])
    page = upload(installer_client, workbook_bytes([UNKNOWN, GOOD]))
    again = page.context["upload"]
    assert again.check_counts[RowResult.REFUSED_BEFORE] == 1
    assert again.check_counts[RowResult.ALREADY_REGISTERED] == 1
    [refused] = [p for p in again.problems if p["serial"] == "1999999999"]
    assert refused["kind"] == RowResult.REFUSED_BEFORE
    assert "was refused on" in refused["message"] and "Unknown serial number" in refused["message"]
    assert "already registered" not in refused["message"]


def test_a_file_with_nothing_to_register_offers_no_register_button(installer_client):
    registered(installer_client, [GOOD])
    page = upload(installer_client, workbook_bytes([GOOD])).content.decode()
    assert "Nothing in this file would be registered." in page
    assert "Register 0 rows" not in page and "/confirm/" not in page


def test_a_preview_nobody_confirms_expires_after_a_day_with_a_note(installer_client, time_machine):
    uploaded = upload(installer_client, workbook_bytes([GOOD])).context["upload"]
    time_machine.shift(timedelta(hours=23))
    assert tasks.expire_unconfirmed_uploads() == {"expired": 0, "abandoned": 0}
    time_machine.shift(timedelta(hours=2))
    assert tasks.expire_unconfirmed_uploads() == {"expired": 1, "abandoned": 0}
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.EXPIRED
    page = installer_client.get(f"/registrations/uploads/{uploaded.pk}/").content.decode()
    assert "Not confirmed in time" in page and "not confirmed within 24 hours" in page


def test_confirming_a_stale_preview_is_refused_even_before_the_hourly_job(installer_client, time_machine):
    uploaded = upload(installer_client, workbook_bytes([GOOD])).context["upload"]
    time_machine.shift(timedelta(hours=25))
    page = installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/", follow=True).content.decode()
    assert "not confirmed within 24 hours" in page
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.EXPIRED
    assert uploaded.checked_at < timezone.now() - timedelta(hours=24)


def test_the_preview_speaks_the_readers_language_not_the_uploads(installer_client, installer):
    bad_postcode = ("1000000002", "STP10.0-3SE-40", date(2026, 5, 1), "0123 AB", "NL", "")
    uploaded = upload(installer_client, workbook_bytes([UNKNOWN, bad_postcode])).context["upload"]
    assert uploaded.language == "en"
    installer.language = "fr"  # a colleague reading French, or the same person later
    installer.save()
    page = installer_client.get(f"/registrations/uploads/{uploaded.pk}/").content.decode()
    assert "Le numéro de série 1999999999 ne figure pas dans la liste des appareils SMA" in page
    assert "Le code postal “0123 AB” n" in page  # an error read from a cell, too


def test_the_preview_says_until_when_and_a_stale_one_offers_no_button(installer_client, time_machine):
    uploaded = upload(installer_client, workbook_bytes([GOOD])).context["upload"]
    page = installer_client.get(f"/registrations/uploads/{uploaded.pk}/").content.decode()
    assert "Confirm until 16 June 2026, 10:00" in page
    time_machine.shift(timedelta(hours=25))
    page = installer_client.get(f"/registrations/uploads/{uploaded.pk}/").content.decode()
    assert "Not confirmed in time" in page and "/confirm/" not in page


def test_a_serial_rejected_after_review_sent_again_points_to_the_campaign_team(installer_client, register, staff):
    registration = register("1000000001")
    documents.request_documents(registration, actor=staff, note="Audit")
    documents.reject(registration, actor=staff, note="Invoice of another installation")
    page = upload(installer_client, workbook_bytes([GOOD]))
    [refused] = page.context["upload"].problems
    assert refused["kind"] == RowResult.REFUSED_BEFORE
    assert "Rejected after review" in refused["message"] and "Contact the campaign team" in refused["message"]


def test_a_check_that_fails_keeps_no_stored_rows(installer_client, monkeypatch, settings):
    """A check that fails stores no rows to confirm, and the upload says it failed."""
    def broken(*args, **kwargs):
        raise RuntimeError("the rules broke")

    monkeypatch.setattr(services, "decide_rows", broken)
    uploaded = upload(installer_client, workbook_bytes([GOOD])).context["upload"]
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.FAILED and not uploaded.rows_file
    assert not list(Path(settings.MEDIA_ROOT).rglob("*-rows.json.gz"))


def test_the_result_workbook_is_written_in_the_registering_transaction(installer_client, monkeypatch):
    """A registered upload always has its result workbook: a failure while writing it (the
    worker killed right then) leaves nothing registered, not a registered upload without one."""
    uploaded = upload(installer_client, workbook_bytes([GOOD])).context["upload"]

    def killed(*args):
        raise MemoryError("killed while writing the result workbook")

    monkeypatch.setattr(services, "write_result_workbook", killed)
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.FAILED and not Registration.objects.exists()

    monkeypatch.undo()
    Upload.objects.filter(pk=uploaded.pk).update(state=Upload.State.IMPORTING)
    tasks.register_upload(uploaded.pk)
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.IMPORTED and uploaded.result_file
    assert Registration.objects.count() == 1


def test_an_upload_left_busy_by_a_web_process_that_died_fails_with_a_way_forward(installer_client, time_machine):
    """Small files are checked in the web request: a process that died there leaves no job."""
    stuck = upload(installer_client, workbook_bytes([GOOD])).context["upload"]
    Upload.objects.filter(pk=stuck.pk).update(state=Upload.State.CHECKING, check_counts={}, checked_at=None)
    time_machine.shift(timedelta(minutes=59))
    assert tasks.expire_unconfirmed_uploads()["abandoned"] == 0  # it may still be at work
    time_machine.shift(timedelta(minutes=2))
    assert tasks.expire_unconfirmed_uploads()["abandoned"] == 1
    page = installer_client.get(f"/registrations/uploads/{stuck.pk}/").content.decode()
    assert "Try again" in page
    installer_client.post(f"/registrations/uploads/{stuck.pk}/retry/")
    assert Upload.objects.get(pk=stuck.pk).state == Upload.State.CHECKED


def test_a_large_upload_waiting_for_its_job_is_not_taken_for_abandoned(installer_client, settings, time_machine,
                                                                        django_capture_on_commit_callbacks):
    settings.UPLOAD_SYNC_MAX_ROWS = 1
    with django_capture_on_commit_callbacks():  # its job waits (the broker is down, the worker busy)
        waiting = upload(installer_client, workbook_bytes([GOOD, UNKNOWN])).context["upload"]
    time_machine.shift(timedelta(hours=2))
    assert tasks.expire_unconfirmed_uploads()["abandoned"] == 0
    assert Upload.objects.get(pk=waiting.pk).state == Upload.State.CHECKING


# The rows as the check read them ---------------------------------------------------------

NOT_A_DATE = ("1000000002", "STP10.0-3SE-40", "31-02-2026", "3511 AB", "NL", "Jansen")


def test_confirming_registers_the_rows_the_preview_read_without_parsing_the_file_again(
    installer_client, django_capture_on_commit_callbacks,
):
    uploaded = upload(installer_client, workbook_bytes([GOOD, NOT_A_DATE])).context["upload"]
    assert uploaded.rows_file
    kept = uploaded.rows_file.path
    with open(uploaded.file.path, "wb") as original:
        original.write(b"not a spreadsheet any more")  # were it read again, the file would be refused

    with django_capture_on_commit_callbacks(execute=True):
        installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")

    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.IMPORTED
    assert uploaded.result_counts[RowResult.REGISTERED] == 1 and uploaded.result_counts[RowResult.INVALID] == 1
    assert Registration.objects.filter(serial="1000000001").exists()
    assert not uploaded.rows_file  # of no use once registered, and removed from the storage
    assert not Path(kept).exists()
    rows = list(load_workbook(uploaded.result_file.path).active.iter_rows(min_row=2, values_only=True))
    assert rows[1][:3] == ("1000000002", "STP10.0-3SE-40", "31-02-2026")
    assert "is not an existing date" in rows[1][7]


def test_the_rows_kept_for_confirming_go_with_a_cancelled_or_expired_preview(
    installer_client, time_machine, django_capture_on_commit_callbacks,
):
    cancelled = upload(installer_client, workbook_bytes([GOOD])).context["upload"]
    expired = upload(installer_client, workbook_bytes([GOOD])).context["upload"]
    kept = [cancelled.rows_file.path, expired.rows_file.path]
    with django_capture_on_commit_callbacks(execute=True):
        installer_client.post(f"/registrations/uploads/{cancelled.pk}/cancel/")
        time_machine.shift(timedelta(hours=25))
        tasks.expire_unconfirmed_uploads()

    for uploaded in (cancelled, expired):
        uploaded.refresh_from_db()
        assert not uploaded.rows_file
    assert cancelled.state == Upload.State.CANCELLED and expired.state == Upload.State.EXPIRED
    assert not any(Path(path).exists() for path in kept)


def test_the_rows_as_read_come_back_the_same_with_their_messages_in_any_language(company):
    sheet = reading.parse([
        ["Serial number", "Product type", "Installation date", "Postcode", "Country", "Own reference"],
        [1000000001.0, "STP10.0-3SE-40", datetime(2026, 5, 1, 0, 0), "3511 AB", "", "Jansen\ttab"],
        ["1000000002", "STP10.0-3SE-40", "31-02-2026", "3511 AB", "NL", ""],
        ["1000000003", "STP10.0-3SE-40", None, "3511 AB", "NL", ""],
        [1.5, "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", ""],
    ], company)

    again = reading.load_sheet(reading.dump_sheet(sheet))

    assert [(row.number, row.device, row.raw) for row in again] == [(row.number, row.device, row.raw) for row in sheet]
    for language in ("nl", "fr", "en"):
        with translation.override(language):
            assert [str(row.error.message) if row.error else None for row in again] == [
                str(row.error.message) if row.error else None for row in sheet]
            assert [row.error.field if row.error else None for row in again] == [
                row.error.field if row.error else None for row in sheet]
