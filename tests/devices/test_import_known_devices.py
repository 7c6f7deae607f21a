"""python manage.py import_known_devices FILE: the maker's serial list, CSV or XLSX."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from devices.known_devices_import import import_known_devices
from devices.models import KnownDevice


@pytest.fixture
def write_csv(tmp_path):
    def write(text, name="serials.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


def run(path, capsys, *args):
    call_command("import_known_devices", str(path), *args)
    return capsys.readouterr().out


def test_it_loads_a_csv_and_reports_counts(products, write_csv, capsys):
    path = write_csv(
        "serial,product_code,produced_on\n"
        "0012345678,STP10.0-3SE-40,2026-01-05\n"
        "2000000001,hm-20,\n"
        "3000000001,STP 110-60,05-02-2026\n"
    )
    out = run(path, capsys)
    assert "3 rows" in out and "3 created, 0 updated, 0 unchanged, 0 refused" in out
    device = KnownDevice.objects.get(serial="0012345678")
    assert (device.product.code, device.produced_on) == ("STP10.0-3SE-40", date(2026, 1, 5))
    assert KnownDevice.objects.get(serial="3000000001").produced_on == date(2026, 2, 5)


def test_running_it_again_updates_and_never_duplicates(products, write_csv, capsys):
    path = write_csv("serial,product_code\n1000000001,STP10.0-3SE-40\n1000000002,STP10.0-3SE-40\n")
    run(path, capsys)
    assert "0 created, 0 updated, 2 unchanged" in run(path, capsys)
    path = write_csv("serial,product_code\n1000000001,STP5.0-3SE-40\n1000000002,STP10.0-3SE-40\n1000000003,HM-20\n")
    assert "1 created, 1 updated, 1 unchanged" in run(path, capsys)
    assert KnownDevice.objects.count() == 3
    assert KnownDevice.objects.get(serial="1000000001").product.code == "STP5.0-3SE-40"


def test_it_reports_bad_rows_with_line_numbers_and_loads_the_rest(products, write_csv, capsys, tmp_path):
    path = write_csv(
        "serial,product_code,produced_on\n"
        "1000000001,STP10.0-3SE-40,\n"
        "1000000001,STP10.0-3SE-40,\n"
        "12AB,STP10.0-3SE-40,\n"
        "123,STP10.0-3SE-40,\n"
        "1000000005,NOPE-1,\n"
        "1000000006,STP10.0-3SE-40,yesterday\n"
        ",,\n"
        "1000000007,STP10.0-3SE-40,\n"
    )
    bad_file = tmp_path / "bad.csv"
    out = run(path, capsys, "--bad-rows", str(bad_file))
    assert "7 rows" in out and "2 created" in out and "5 refused" in out
    assert "line 3: 1000000001: serial number appears more than once" in out
    assert "line 4: 12AB" in out and "digits only" in out
    assert "line 5: 123" in out and "has 3 digits" in out
    assert "line 6: 1000000005: unknown product code 'NOPE-1'" in out
    assert "line 7: 1000000006: produced_on 'yesterday'" in out
    assert bad_file.read_text().count("\n") == 6
    assert set(KnownDevice.objects.values_list("serial", flat=True)) == {"1000000001", "1000000007"}


def test_it_reads_semicolons_and_windows_1252(products, write_csv, capsys):
    path = write_csv("Serial;Product code\n1000000001;STP10.0-3SE-40\n", encoding="cp1252")
    assert "1 created" in run(path, capsys)


def test_it_reads_xlsx_with_serials_stored_as_numbers(products, tmp_path, capsys):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["serial", "product_code", "produced_on"])
    sheet.append([1000000001, "STP10.0-3SE-40", date(2026, 1, 5)])
    sheet.append(["0000000002", "STP10.0-3SE-40", None])
    path = tmp_path / "serials.xlsx"
    workbook.save(path)
    assert "2 created" in run(path, capsys)
    assert KnownDevice.objects.get(serial="1000000001").produced_on == date(2026, 1, 5)
    assert KnownDevice.objects.filter(serial="0000000002").exists()


def test_it_refuses_a_file_without_the_header(products, write_csv):
    path = write_csv("1000000001,STP10.0-3SE-40\n")
    with pytest.raises(CommandError, match="lacks serial, product_code"):
        call_command("import_known_devices", str(path))


@pytest.mark.parametrize("name, content", [("serials.pdf", b"%PDF-1.4"), ("serials.xlsx", b"not a zip")])
def test_it_refuses_what_is_not_a_list(products, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError):
        call_command("import_known_devices", str(path))


def test_it_refuses_a_missing_file(db):
    with pytest.raises(CommandError):
        call_command("import_known_devices", "/nonexistent/serials.csv")


def test_it_writes_in_batches(products, write_csv, capsys):
    lines = "".join(f"{n:010d},STP10.0-3SE-40\n" for n in range(1, 2501))
    report = import_known_devices(write_csv("serial,product_code\n" + lines), batch_size=1000)
    assert (report.rows, report.created) == (2500, 2500)
    assert KnownDevice.objects.count() == 2500
