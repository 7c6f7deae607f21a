"""The Excel template and the bulk upload: preview, confirm, result workbook, bad files."""

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from cashback import bulk
from registrations.core import registering
from registrations.core.choices import Source, Status, SystemJob
from registrations.core.models import Registration, StatusChange
from registrations.core.rows import DeviceRow
from registrations.uploads import reading
from registrations.uploads.models import Upload

FIXTURES = Path(__file__).parent / "fixtures"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(rows, header=("Serial number", "Product type", "Installation date", "Postcode", "Country",
                                 "Own reference")):
    workbook = Workbook()
    sheet = workbook.active
    if header:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content, name="devices.xlsx"):
    return client.post("/registrations/uploads/", {"file": SimpleUploadedFile(name, content)}, follow=True)


GOOD = [
    ("1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "Jansen"),
    ("1000000002", "STP10.0-3SE-40", date(2026, 5, 2), "3511 AB", "NL", ""),
]


# The template ------------------------------------------------------------------------


def test_the_template_is_a_workbook_for_the_active_campaign(installer_client, campaign):
    response = installer_client.get("/registrations/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == [
        "Serial number", "Product type", "Installation date", "Postcode", "Country", "Own reference",
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].number_format == "@"  # serials stay text
    assert sheet.max_row == 1  # nothing below the header: appended rows start at row 2
    lists = workbook["Lists"]
    assert lists.sheet_state == "hidden"
    codes = [c.value for c in lists["A"][1:] if c.value]
    assert codes == ["EVC22-3AC-10", "HM-20", "STP 110-60", "STP10.0-3SE-40", "STP5.0-3SE-40"]
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert validations["B2:B5001"].formula1 == "=Lists!$A$2:$A$6"
    assert validations["E2:E5001"].type == "list"
    assert validations["C2:C5001"].type == "date"
    assert "Instructions" in workbook.sheetnames


def test_openpyxl_reads_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML


def test_the_template_speaks_the_users_language(client, installer, campaign):
    installer.language = "nl"
    installer.save()
    client.force_login(installer)
    response = client.get("/registrations/template.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.worksheets[0]["A1"].value == "Serienummer"
    assert "Instructies" in workbook.sheetnames


def test_the_filled_in_template_uploads(installer_client, campaign):
    response = installer_client.get("/registrations/template.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    sheet.append(["0000000042", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = upload(installer_client, buffer.getvalue())
    assert page.context["upload"].state == Upload.State.CHECKED
    assert page.context["upload"].rows == 1


# Preview, confirm, result ----------------------------------------------------------------


def test_upload_shows_a_preview_and_registers_nothing_yet(installer_client, register, other_company):
    register(serial="1000000009")  # already registered by this company
    register(serial="1000000008", company=other_company, user=other_company.memberships.get().user)
    rows = [
        ("1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", ""),  # registered
        ("1000000008", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", ""),  # claimed elsewhere
        ("1999999999", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", ""),  # unknown serial
        ("1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", ""),  # twice in the file
        ("1000000009", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", ""),  # already registered
        ("1000000003", "STP10.0-3SE-40", "31-02-2026", "3511 AB", "NL", ""),  # invalid date
        ("1000000004", "STP10.0-3SE-40", date(2026, 5, 1), "XXXX", "NL", ""),  # invalid postcode
    ]
    page = upload(installer_client, workbook_bytes(rows))
    uploaded = page.context["upload"]
    assert uploaded.state == Upload.State.CHECKED
    assert uploaded.check_counts == {
        "registered": 1, "more_info": 1, "not_registrable": 1, "duplicate_in_file": 1,
        "already_registered": 1, "refused_before": 0, "invalid": 2,
    }
    assert Registration.objects.count() == 2  # only the two made before
    html = page.content.decode()
    assert "What the 7 rows would become" in html
    assert "Register 3 rows" in html
    assert "Installation date: 31-02-2026 is not an existing date." in html
    assert "Postcode: Postcode “XXXX” is not a valid postcode" in html
    assert "appears more than once in this list" in html
    problems = {p["row"]: p["kind"] for p in uploaded.problems}
    assert problems == {3: "more_info", 4: "not_registrable", 5: "duplicate_in_file", 6: "already_registered",
                        7: "invalid", 8: "invalid"}


def test_confirm_registers_through_the_same_rules_with_history(installer_client, installer):
    uploaded = upload(installer_client, workbook_bytes(GOOD + [
        ("4000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", ""),
    ])).context["upload"]
    page = installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/", follow=True)
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.IMPORTED
    assert uploaded.result_counts["registered"] == 2 and uploaded.result_counts["not_registrable"] == 1
    registrations = Registration.objects.order_by("serial")
    assert [(r.serial, r.status, r.source) for r in registrations] == [
        ("1000000001", Status.ACCEPTED, Source.EXCEL),
        ("1000000002", Status.ACCEPTED, Source.EXCEL),
        ("4000000001", Status.NOT_REGISTRABLE, Source.EXCEL),
    ]
    assert registrations[0].reference == "Jansen" and registrations[0].created_by == installer
    assert StatusChange.objects.filter(actor=installer).count() == 3
    assert "Download the result" in page.content.decode()
    # Confirming twice registers nothing twice.
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    assert Registration.objects.count() == 3


def test_the_result_workbook_answers_every_row_and_can_be_uploaded_again(installer_client):
    rows = GOOD + [("4000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "mismatch")]
    uploaded = upload(installer_client, workbook_bytes(rows)).context["upload"]
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    response = installer_client.get(f"/registrations/uploads/{uploaded.pk}/result.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["Serial number", "Product type", "Installation date", "Postcode", "Country", "Own reference"]
    assert header[6:] == ["Outcome", "Message", "Row in your file"]
    lines = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [line[6] for line in lines] == ["Registered", "Registered", "Not registrable"]
    assert "belongs to a STP5.0-3SE-40" in lines[2][7]
    assert [line[8] for line in lines] == [2, 3, 4]
    assert sheet["A2"].data_type == "s"

    # The installer fixes the refused row in the result workbook and uploads it again.
    workbook = load_workbook(io.BytesIO(b"".join(installer_client.get(
        f"/registrations/uploads/{uploaded.pk}/result.xlsx").streaming_content)))
    workbook.active["B4"] = "STP5.0-3SE-40"
    buffer = io.BytesIO()
    workbook.save(buffer)
    again = upload(installer_client, buffer.getvalue(), "devices-result.xlsx").context["upload"]
    assert again.check_counts["already_registered"] == 2
    assert again.check_counts["registered"] == 1
    installer_client.post(f"/registrations/uploads/{again.pk}/confirm/")
    assert Registration.objects.count() == 3
    assert Registration.objects.get(serial="4000000001").status == Status.ACCEPTED


def test_uploading_the_same_file_twice_registers_nothing_twice(installer_client):
    content = workbook_bytes(GOOD)
    first = upload(installer_client, content).context["upload"]
    installer_client.post(f"/registrations/uploads/{first.pk}/confirm/")
    page = upload(installer_client, content)
    second = page.context["upload"]
    assert second.check_counts["already_registered"] == 2
    assert "You uploaded this file before" in page.content.decode()
    installer_client.post(f"/registrations/uploads/{second.pk}/confirm/")
    assert Registration.objects.count() == 2
    assert StatusChange.objects.count() == 2


def test_cancel_registers_nothing(installer_client):
    uploaded = upload(installer_client, workbook_bytes(GOOD)).context["upload"]
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/cancel/")
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.CANCELLED
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    assert not Registration.objects.exists()


def test_the_preview_can_be_downloaded_as_a_workbook(installer_client):
    uploaded = upload(installer_client, workbook_bytes(GOOD)).context["upload"]
    response = installer_client.get(f"/registrations/uploads/{uploaded.pk}/check.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in sheet["G"]][1:] == ["Registered", "Registered"]
    assert not Registration.objects.exists()


def test_the_stored_file_is_the_uploaded_file_and_only_the_company_sees_it(client, installer_client, other_company):
    content = workbook_bytes(GOOD)
    uploaded = upload(installer_client, content, "Mijn apparaten.xlsx").context["upload"]
    assert uploaded.original_name == "Mijn apparaten.xlsx"
    assert "Mijn" not in uploaded.file.name  # stored under a random name
    response = installer_client.get(f"/registrations/uploads/{uploaded.pk}/file/")
    assert b"".join(response.streaming_content) == content
    client.force_login(other_company.memberships.get().user)
    for suffix in ["", "file/", "result.xlsx", "check.xlsx", "status.json"]:
        assert client.get(f"/registrations/uploads/{uploaded.pk}/{suffix}").status_code == 404, suffix
    assert client.post(f"/registrations/uploads/{uploaded.pk}/confirm/").status_code == 404
    assert client.post(f"/registrations/uploads/{uploaded.pk}/cancel/").status_code == 404


def test_the_company_comes_from_the_user_never_from_the_sheet(installer_client, company, other_company):
    rows = [("1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "200300")]
    uploaded = upload(installer_client, workbook_bytes(
        rows, header=("Serial number", "Product type", "Installation date", "Postcode", "Country", "Company")
    )).context["upload"]
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    assert Registration.objects.get().company == company


# Files from other programs -------------------------------------------------------------


@pytest.mark.parametrize("name", ["libreoffice.xlsx", "libreoffice.ods", "libreoffice.xls"])
def test_files_written_by_libreoffice(installer_client, name):
    page = upload(installer_client, (FIXTURES / name).read_bytes(), name)
    uploaded = page.context["upload"]
    assert uploaded.state == Upload.State.CHECKED, uploaded.error
    assert uploaded.rows == 9
    kinds = {p["row"]: (p["kind"], p["message"]) for p in uploaded.problems}
    # Rows 4-6: a date cell, a serial stored as a number with a text date, "SN:" and d-m-yy.
    assert not {4, 5, 6, 13} & set(kinds)
    assert kinds[7][0] == "not_registrable"  # 4000000001 is an STP5.0
    assert kinds[8][0] == "not_registrable"  # unknown serial
    assert kinds[9][0] == "duplicate_in_file"
    assert kinds[11] == ("invalid", "Installation date: 31-02-2026 is not an existing date.")
    assert kinds[12][0] == "invalid" and "first 15 digits" in kinds[12][1]
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    second = Registration.objects.get(serial="1000000002")
    assert (second.installed_on, second.postcode, second.reference) == (date(2026, 5, 2), "3511 AB", "4711")
    assert Registration.objects.get(serial="1000000003").installed_on == date(2026, 5, 3)
    belgian = Registration.objects.get(serial="2000000001")
    assert (belgian.country, belgian.postcode, belgian.product.code) == ("BE", "1000", "HM-20")


@pytest.mark.parametrize("encoding, separator", [("utf-8-sig", ";"), ("utf-8", ","), ("cp1252", ";")])
def test_csv_in_the_usual_encodings_and_separators(installer_client, encoding, separator):
    text = io.StringIO()
    writer = csv.writer(text, delimiter=separator)
    writer.writerow(["Numéro de série", "Type de produit", "Date d'installation", "Code postal", "Pays", "Référence"])
    writer.writerow(["1000000001", "STP10.0-3SE-40", "01/05/2026", "1000", "Belgique", "Café Liège"])
    writer.writerow(["1000000002", "STP10.0-3SE-40", "2026-05-02", "3511AB", "NL", ""])
    page = upload(installer_client, text.getvalue().encode(encoding), "devices.csv")
    uploaded = page.context["upload"]
    assert uploaded.file_format == "csv"
    assert uploaded.check_counts["registered"] == 2, uploaded.problems
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    assert Registration.objects.get(serial="1000000001").reference == "Café Liège"


def test_headers_in_any_language_case_spacing_and_order_with_unknown_columns(installer_client):
    header = ("POSTCODE", "remarks", "  installatie datum ", "SERIENUMMER", "Product-type", "land")
    rows = [("3511 AB", "x", date(2026, 5, 1), "1000000001", "STP10.0-3SE-40", "NL")]
    uploaded = upload(installer_client, workbook_bytes(rows, header=header)).context["upload"]
    assert uploaded.check_counts["registered"] == 1, uploaded.problems


def test_a_missing_country_is_the_companys_country(installer_client):
    header = ("Serial number", "Product type", "Installation date", "Postcode")
    uploaded = upload(installer_client, workbook_bytes([("1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB")],
                                                       header=header)).context["upload"]
    assert uploaded.check_counts["registered"] == 1


@pytest.mark.parametrize("value, expected", [
    (1000000001, "1000000001"),
    (1000000001.0, "1000000001"),
    (42, "0000000042"),  # leading zeros that Excel dropped come back
    ("1000000001", "1000000001"),
])
def test_serials_that_excel_turned_into_numbers(installer_client, known, value, expected):
    known("0000000042")
    uploaded = upload(installer_client, workbook_bytes([
        (value, "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", ""),
    ])).context["upload"]
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    assert Registration.objects.get().serial == expected


@pytest.mark.parametrize("value", ["1.23457E+14", "1,00000E+09"])
def test_serials_shortened_by_excel_are_flagged(installer_client, value):
    text = f"Serial number;Product type;Installation date;Postcode\n{value};STP10.0-3SE-40;01-05-2026;3511 AB\n"
    uploaded = upload(installer_client, text.encode(), "devices.csv").context["upload"]
    assert uploaded.problems[0]["kind"] == "invalid"
    assert "shortened by Excel" in uploaded.problems[0]["message"]


@pytest.mark.parametrize("text, expected", [
    ("01-05-2026", date(2026, 5, 1)),
    ("1/5/2026", date(2026, 5, 1)),
    ("1-5-26", date(2026, 5, 1)),
    ("2026-05-01", date(2026, 5, 1)),
    ("01.05.2026", date(2026, 5, 1)),
    ("2026-05-01 00:00:00", date(2026, 5, 1)),
])
def test_dates_as_text(text, expected):
    assert reading._date(text) == expected


def test_a_formula_without_a_value_is_refused_for_its_row(installer_client):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Serial number", "Product type", "Installation date", "Postcode", "Country"])
    sheet.append(["=TEXT(1000000001,\"0\")", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL"])
    sheet.append(["1000000002", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL"])
    buffer = io.BytesIO()
    workbook.save(buffer)  # openpyxl stores formulas without calculating them
    uploaded = upload(installer_client, buffer.getvalue()).context["upload"]
    assert uploaded.check_counts["invalid"] == 1 and uploaded.check_counts["registered"] == 1
    assert "formula without a calculated value" in uploaded.problems[0]["message"]


def test_formula_cells_with_a_value_are_read_as_their_value(installer_client):
    # LibreOffice stores the calculated value next to the formula.
    page = upload(installer_client, (FIXTURES / "libreoffice.xlsx").read_bytes())
    assert page.context["upload"].state == Upload.State.CHECKED


# Bad files: a clear answer, nothing changes ------------------------------------------------


@pytest.mark.parametrize("name, content, message", [
    ("empty.xlsx", b"\n", "The file is empty."),
    ("devices.xlsx", b"PK\x03\x04garbage" + b"\x00" * 100, "damaged"),
    ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not a spreadsheet"),
    ("devices.csv", b"%PDF-1.4\n\x00\x00binary", "not a spreadsheet"),
    ("password.xlsx", (FIXTURES / "password.xlsx").read_bytes(), "protected with a password"),
    ("no-header.xlsx", workbook_bytes([("1000000001", "STP10.0-3SE-40")], header=("a", "b")), "No header row found"),
    ("header-only.xlsx", workbook_bytes([]), "no devices below it"),
    ("document.docx", None, "not a spreadsheet"),
])
def test_bad_files_are_refused_with_a_message(installer_client, name, content, message):
    if content is None:  # a zip that is not a spreadsheet (a Word document)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<document/>")
        content = buffer.getvalue()
    page = upload(installer_client, content, name)
    uploaded = page.context["upload"]
    assert uploaded.state == Upload.State.REFUSED
    assert message in uploaded.error
    assert message in page.content.decode().replace("&#x27;", "'")
    assert "Nothing was registered." in page.content.decode()
    assert not Registration.objects.exists()


def test_too_many_rows_are_refused(installer_client, settings):
    settings.UPLOAD_MAX_ROWS = 3
    rows = [(f"10000000{n:02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "") for n in range(1, 5)]
    uploaded = upload(installer_client, workbook_bytes(rows)).context["upload"]
    assert uploaded.state == Upload.State.REFUSED
    assert "the limit is 3" in uploaded.error


def test_too_large_files_are_refused(installer_client, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    uploaded = upload(installer_client, workbook_bytes(GOOD)).context["upload"]
    assert uploaded.state == Upload.State.REFUSED
    assert "the limit is 0" in uploaded.error


def test_a_zip_bomb_is_refused_before_it_is_unpacked(installer_client, settings):
    settings.UPLOAD_MAX_UNCOMPRESSED_BYTES = 5_000_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 20_000_000 + b">")
    uploaded = upload(installer_client, buffer.getvalue()).context["upload"]
    assert uploaded.state == Upload.State.REFUSED
    assert "unpacks to 20 MB" in uploaded.error


def test_a_high_compression_ratio_is_refused(installer_client, settings):
    settings.UPLOAD_MAX_COMPRESSION_RATIO = 5
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 1_000_000 + b">")
    assert upload(installer_client, buffer.getvalue()).context["upload"].state == Upload.State.REFUSED


def test_a_crash_in_the_middle_leaves_no_registrations(installer_client, monkeypatch):
    uploaded = upload(installer_client, workbook_bytes(GOOD)).context["upload"]
    real = bulk.insert_rows

    def crash_on_history(model, *args, **kwargs):
        if model is StatusChange:
            raise RuntimeError("disk full")
        return real(model, *args, **kwargs)

    monkeypatch.setattr("registrations.core.transitions.insert_rows", crash_on_history)
    page = installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/", follow=True)
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.FAILED
    assert "nothing was registered" in page.content.decode()
    assert not Registration.objects.exists()


# Large files go to the worker -------------------------------------------------------------


def test_large_files_are_checked_and_registered_by_the_worker(installer_client, settings,
                                                              django_capture_on_commit_callbacks):
    settings.UPLOAD_SYNC_MAX_ROWS = 2
    rows = [(f"10000000{n:02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "") for n in range(1, 31)]
    with django_capture_on_commit_callbacks() as queued:
        page = upload(installer_client, workbook_bytes(rows))
    uploaded = page.context["upload"]
    assert uploaded.state == Upload.State.CHECKING
    assert '<progress id="progress"' in page.content.decode()
    status = installer_client.get(f"/registrations/uploads/{uploaded.pk}/status.json").json()
    assert status["state"] == "checking"
    for callback in queued:  # the worker runs the task (eager in tests)
        callback()
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.CHECKED and uploaded.rows == 30

    with django_capture_on_commit_callbacks() as queued:
        installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.IMPORTING
    assert installer_client.get(f"/registrations/uploads/{uploaded.pk}/status.json").json()["state"] == "importing"
    for callback in queued:
        callback()
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.IMPORTED
    assert Registration.objects.count() == 30


def test_an_unreadable_row_keeps_its_error_without_the_frames_of_the_parse(company):
    """The error is kept with its row; its traceback would hold every row read before it."""
    rows = [["Serial number", "Product type", "Installation date", "Postcode"],
            ["1.23E+14", "STP10.0-3SE-40", "01-05-2026", "3511 AB"],
            ["1000000001", "STP10.0-3SE-40", "01-05-2026", "3511 AB"]]
    unread, read = reading.parse(rows, company)
    assert unread.error.field == "serial" and unread.error.__traceback__ is None
    assert read.device.serial == "1000000001"


def test_progress_is_reported_while_rows_are_decided(company, installer, settings, monkeypatch):
    monkeypatch.setattr(registering, "_PROGRESS_EVERY", 10)
    seen = []
    rows = [DeviceRow(f"10000000{n:02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL")
            for n in range(1, 36)]
    registering.decide_devices(company=company, rows=rows, source=Source.EXCEL,
                              progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 35), (10, 35), (20, 35), (30, 35), (35, 35)]


def test_progress_is_reported_while_rows_are_registered(company, installer, monkeypatch):
    """On PostgreSQL the rows are inserted while they are decided: the progress goes to the
    cache meanwhile, and every row is registered."""
    monkeypatch.setattr(registering, "_PROGRESS_EVERY", 10)
    seen = []

    def progress(done, total):
        cache.set("test-progress", done)
        seen.append((done, total))

    rows = [DeviceRow(f"10000000{n:02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL")
            for n in range(1, 36)]
    outcomes = registering.register_devices(company=company, rows=rows, source=Source.EXCEL, user=installer,
                                            progress=progress)
    assert seen == [(0, 35), (10, 35), (20, 35), (30, 35), (35, 35)] and cache.get("test-progress") == 35
    assert Registration.objects.count() == 35 == len({o.registration_id for o in outcomes})


# Staff: the admin and the command ---------------------------------------------------------


def test_staff_see_every_upload_in_the_admin(staff_client, installer_client):
    uploaded = upload(installer_client, workbook_bytes(GOOD), "april.xlsx").context["upload"]
    page = staff_client.get("/admin/registrations/upload/").content.decode()
    assert "april.xlsx" in page and "Zonnewerk" in page
    detail = staff_client.get(f"/admin/registrations/upload/{uploaded.pk}/change/")
    assert detail.status_code == 200
    download = staff_client.get(f"/admin/registrations/upload/{uploaded.pk}/file/original/")
    assert b"".join(download.streaming_content) == uploaded.file.open("rb").read()


def test_import_registrations_command_on_behalf_of_a_company(company, tmp_path, capsys):
    path = tmp_path / "devices.xlsx"
    path.write_bytes(workbook_bytes(GOOD + [("1999999999", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "")]))
    call_command("import_registrations", str(path), "--customer-number", "100200", "--dry-run", "--language", "en")
    out = capsys.readouterr().out
    assert "3 rows would become" in out and "Registered" in out
    assert not Registration.objects.exists() and not Upload.objects.exists()
    assert (tmp_path / "devices-result.xlsx").exists()

    call_command("import_registrations", str(path), "--customer-number", "100200", "--language", "en")
    out = capsys.readouterr().out
    assert "3 rows registered as" in out
    assert Registration.objects.filter(company=company).count() == 3
    upload_row = Upload.objects.get()
    assert upload_row.on_behalf and upload_row.uploaded_by is None and upload_row.state == Upload.State.IMPORTED
    assert StatusChange.objects.filter(job=SystemJob.STAFF_IMPORT).count() == 3
    result = load_workbook(tmp_path / "devices-result.xlsx").active
    assert [c.value for c in result["G"]][1:] == ["Registered", "Registered", "Not registrable"]


def test_an_empty_file_is_refused_by_the_form(installer_client):
    response = installer_client.post("/registrations/uploads/", {"file": SimpleUploadedFile("x.xlsx", b"")})
    assert "The submitted file is empty." in response.content.decode()
    assert not Upload.objects.exists()


def test_import_registrations_command_refuses_bad_input(company, tmp_path):
    good = tmp_path / "x.xlsx"
    good.write_bytes(workbook_bytes(GOOD))
    with pytest.raises(CommandError, match="No company"):
        call_command("import_registrations", str(good), "--customer-number", "999")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_registrations", str(tmp_path / "missing.xlsx"), "--customer-number", "100200")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a spreadsheet\x00")
    with pytest.raises(CommandError, match="not a spreadsheet"):
        call_command("import_registrations", str(bad), "--customer-number", "100200", "--language", "en")
    assert not Upload.objects.exists()
