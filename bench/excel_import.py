"""The Excel upload path against a fair floor and a general-purpose importer (issues 3 and 14).

For generated files of 10,000 and 100,000 rows (about 5% each of unknown serials, model
mismatches, in-file duplicates and serials already registered by another company), measured
in the same run on PostgreSQL:

1. the floor: openpyxl's read-only parse of the file alone, as most people have it installed
   (without defusedxml, which makes openpyxl parse through a pure-Python parser; run in a
   process where defusedxml cannot be imported), and python-calamine's parse of the same file;
2. django-import-export 4 importing the same rows into the same table with its defaults
   (at 10,000 rows; --anchor-rows to change);
3. this project's upload path end to end, what the installer waits for from pressing Upload to
   the moment the result workbook can be downloaded: store the file, check every row (the
   preview), confirm, register every row with statuses and history rows and write the result
   workbook, committed; each phase printed, with the SQL query counts and peak memory (RSS of
   a fresh process, as a worker task);
4. the staff command `import_registrations` on the same file, process start included.

    .venv/bin/python bench/excel_import.py [--sizes 10000,100000] [--runs 3]

Medians over --runs.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from _setup import QueryCounter, median, peak_rss_mb, setup

# The project is imported inside the functions below: Django is set up first, by setup().

CUSTOMER = "BENCHXL"
OTHER = "BENCHXLOTHER"
ANCHOR = "BENCHXLANCHOR"
PRODUCTS = ["STP5.0-3SE-40", "STP6.0-3SE-40", "STP8.0-3SE-40", "STP10.0-3SE-40", "HM-20", "EVC22-3AC-10"]


def prepare(max_rows):
    """Catalogue, campaign, known serials and the companies; once per database."""
    from devices.models import Campaign, CampaignProduct, KnownDevice, ProductFamily, ProductModel
    from registrations.companies.choices import Role
    from registrations.companies.models import Company, Enrolment, Membership, User

    family, _ = ProductFamily.objects.get_or_create(code="bench-xl", defaults={"name": "Bench", "serial_length": 10})
    products = [ProductModel.objects.get_or_create(code=code, defaults={"family": family})[0] for code in PRODUCTS]
    campaign, _ = Campaign.objects.get_or_create(slug="bench-xl", defaults=dict(
        name="Bench XL", installation_starts_on=date(2026, 1, 1), installation_ends_on=date(2026, 12, 31),
        registration_deadline=date(2099, 1, 31)))
    for product in products:
        CampaignProduct.objects.get_or_create(campaign=campaign, product=product, defaults={"amount_cents": 15000})
    wanted = int(max_rows * 1.1)
    have = KnownDevice.objects.filter(serial__startswith="7").count()
    if have < wanted:
        print(f"loading {wanted:,} known serials (once) …")
        KnownDevice.objects.bulk_create(
            [KnownDevice(serial=f"7{n:09d}", product=products[n % len(products)]) for n in range(have, wanted)],
            batch_size=10000, ignore_conflicts=True)
    companies = {}
    for number in (CUSTOMER, OTHER, ANCHOR):
        company, created = Company.objects.get_or_create(customer_number=number, defaults=dict(
            name=f"Bench {number}", vat_number="NL004495445B01", country="NL", street="x", postcode="1234 AB",
            city="x", contact_email=f"{number.lower()}@example.com"))
        if created:
            user = User.objects.create_user(email=f"{number.lower()}@example.com", password="bench")
            Membership.objects.create(user=user, company=company, role=Role.ADMIN)
            Enrolment.objects.create(company=company, campaign=campaign, accepted_by=user)
        companies[number] = company
    return companies


def make_file(rows, path):
    """A sheet like the template, filled in, with the usual share of problems."""
    from openpyxl import Workbook

    rng = random.Random(rows)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Registraties")
    sheet.append(["Serienummer", "Producttype", "Installatiedatum", "Postcode", "Land", "Eigen referentie"])
    for n in range(rows):
        serial, product = f"7{n:09d}", PRODUCTS[n % len(PRODUCTS)]
        roll = rng.random()
        if roll < 0.05:
            serial = f"8{n:09d}"  # unknown to the maker
        elif roll < 0.10:
            product = PRODUCTS[(n + 1) % len(PRODUCTS)]  # serial of another model
        elif roll < 0.15 and n > 0:
            serial, product = f"7{n - 1:09d}", PRODUCTS[(n - 1) % len(PRODUCTS)]  # twice in the file
        postcode = f"{1000 + rng.randrange(9000)} {chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}"
        sheet.append([serial, product, date(2026, 1, 1) + timedelta(days=n % 300), postcode, "NL", f"PRJ-{n}"])
    workbook.save(path)


def reset(companies, rows):
    """No registrations for the uploading companies; 5% of the serials claimed by another company."""
    from django.db import connection

    from registrations.core.choices import Source
    from registrations.core.models import Registration, StatusChange
    from registrations.core.registering import register_devices
    from registrations.core.rows import DeviceRow
    from registrations.uploads.models import Upload

    ids = [c.pk for c in companies.values()]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registrations_statuschange WHERE registration_id IN "
                       "(SELECT id FROM registrations_registration WHERE company_id = ANY(%s))", [ids])
    Registration.objects.filter(company_id__in=ids).delete()
    Upload.objects.filter(company_id__in=ids).delete()
    StatusChange.objects.filter(registration__isnull=True).delete()
    claimed = [DeviceRow(f"7{n:09d}", PRODUCTS[n % len(PRODUCTS)], date(2026, 3, 1), "4000", "BE")
               for n in range(7, rows, 20)]
    register_devices(company=companies[OTHER], rows=claimed, source=Source.WEB)
    if connection.vendor == "postgresql":
        # Every run deletes what the last one wrote: without a vacuum the tables and their
        # indexes fill with dead rows, and each run measures a larger table than the last.
        with connection.cursor() as cursor:
            for table in ("registrations_registration", "registrations_statuschange", "registrations_upload"):
                cursor.execute(f"VACUUM ANALYZE {table}")


class Phases:
    """Seconds spent in named steps, by wrapping the module functions the path calls."""

    def __init__(self):
        self.seconds = {}

    def wrap(self, module, name, label):
        original = getattr(module, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started

        setattr(module, name, timed)


def measure_check(path):
    """Store the file and check every row (the preview), in this fresh process; one JSON line."""
    from django.core.files import File
    from django.db import connection

    from registrations.companies.models import Company
    from registrations.uploads import services as upload_services

    company = Company.objects.get(customer_number=CUSTOMER)
    user = company.memberships.first().user
    phases = Phases()
    phases.wrap(upload_services, "read_upload", "read the file")
    phases.wrap(upload_services, "decide_rows", "decide every row (the preview)")
    phases.wrap(upload_services, "problems", "the problems listed, in three languages")
    phases.wrap(upload_services, "_keep_rows", "keep the rows as read")
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        with open(path, "rb") as handle:
            upload = upload_services.receive(company=company, uploaded_file=File(handle, name=Path(path).name), user=user)
        stored = time.perf_counter()
        upload_services.preview_upload(upload)
    done = time.perf_counter()
    spent = phases.seconds
    print(json.dumps({"upload": upload.pk, "seconds": done - started, "queries": counter.count, "rss_mb": peak_rss_mb(),
                      "phases": {"store": stored - started, **spent,
                                 "counted and saved": done - stored - sum(spent.values())}}))


def measure_register(upload_id):
    """The installer confirms: every row registered and the result workbook written, committed,
    in this fresh process as the worker runs it; one JSON line."""
    from django.db import connection

    from registrations.uploads import services as upload_services
    from registrations.uploads.models import Upload

    upload = Upload.objects.select_related("company", "uploaded_by").get(pk=upload_id)
    phases = Phases()
    phases.wrap(upload_services, "sheet_rows", "load the rows as read")
    phases.wrap(upload_services, "register_rows", "register_rows")
    phases.wrap(upload_services, "write_result_workbook", "result workbook, meanwhile the database checks keys")
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        upload_services.start_import(upload, user=upload.uploaded_by)
        upload_services.register_upload(upload)
    seconds = time.perf_counter() - started
    spent = phases.seconds
    registering = spent.pop("register_rows") - spent.get("load the rows as read", 0)
    upload.refresh_from_db()
    print(json.dumps({
        "seconds": seconds, "queries": counter.count, "rss_mb": peak_rss_mb(), "counts": upload.result_counts,
        "phases": {**spent, "decide and write rows": registering,
                   "confirm and commit": seconds - sum(spent.values()) - registering},
        "workbook_size_mb": upload.result_file.size / 1e6,
    }))


FLOOR = """
import sys, time
sys.modules["defusedxml"] = None  # openpyxl as most people install it: the stdlib's XML parser
from openpyxl import load_workbook
from openpyxl.xml import DEFUSEDXML
assert not DEFUSEDXML
started = time.perf_counter()
workbook = load_workbook(sys.argv[1], read_only=True)
rows = sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True))
workbook.close()
print(time.perf_counter() - started, rows)
"""


def floor(path):
    """openpyxl's read-only parse in a process of its own, without defusedxml."""
    output = subprocess.run([sys.executable, "-c", FLOOR, str(path)], capture_output=True, text=True, check=True)
    seconds, _rows = output.stdout.split()
    return float(seconds)


def calamine(path):
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows
    return time.perf_counter() - started


def command(path):
    """The staff command, process start included."""
    started = time.perf_counter()
    subprocess.run([sys.executable, str(Path(__file__).resolve().parent.parent / "manage.py"), "import_registrations",
                    "--customer-number", CUSTOMER, str(path)], check=True, capture_output=True,
                   env={**os.environ, "UPLOAD_MAX_ROWS": "200000"})
    return time.perf_counter() - started


def import_export(path, company, rows):
    """django-import-export 4 with its defaults: a ModelResource, one row after another."""
    import tablib
    from import_export import fields, resources, widgets
    from openpyxl import load_workbook

    from devices.models import Campaign, ProductModel
    from registrations.core.models import Registration

    campaign = Campaign.objects.get(slug="bench-xl")

    class RegistrationResource(resources.ModelResource):
        product = fields.Field(attribute="product", column_name="product",
                               widget=widgets.ForeignKeyWidget(ProductModel, field="code"))

        class Meta:
            model = Registration
            fields = ("id", "company", "campaign", "serial", "product", "installed_on", "postcode", "country",
                      "reference", "source", "status", "reason")

    sheet = load_workbook(path, read_only=True).worksheets[0]
    # An empty id column: the default import_id_fields, so every row is looked up, then created.
    dataset = tablib.Dataset(headers=["id", "company", "campaign", "serial", "product", "installed_on", "postcode",
                                      "country", "reference", "source", "status", "reason"])
    for index, row in enumerate(sheet.iter_rows(min_row=2, values_only=True)):
        if index >= rows:
            break
        serial, product, installed_on, postcode, country, reference = row[:6]
        dataset.append([None, company.pk, campaign.pk, serial, product, installed_on, postcode, country, reference,
                        "excel", "accepted", "eligible"])
    started = time.perf_counter()
    result = RegistrationResource().import_data(dataset, dry_run=False, raise_errors=False)
    seconds = time.perf_counter() - started
    return seconds, result.totals


def _run(*arguments):
    output = subprocess.run([sys.executable, __file__, *arguments], capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--anchor-rows", type=int, default=10000)
    parser.add_argument("--measure-check", help=argparse.SUPPRESS)
    parser.add_argument("--measure-register", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup(migrate=not (args.measure_check or args.measure_register))
    if args.measure_check or args.measure_register:
        from django.conf import settings

        settings.UPLOAD_MAX_ROWS = 200_000
        if args.measure_check:
            measure_check(args.measure_check)
        else:
            measure_register(int(args.measure_register))
        return

    from django.db import connection

    sizes = [int(s) for s in args.sizes.split(",")]
    companies = prepare(max(sizes))
    workdir = Path(tempfile.mkdtemp(prefix="bench-xl-"))
    anchor_per_row = None
    print(f"database {connection.vendor}; medians of {args.runs} runs; peak memory = peak RSS (VmHWM) of a fresh process")
    for rows in sizes:
        path = workdir / f"devices-{rows}.xlsx"
        make_file(rows, path)
        print(f"\n{rows:,} rows ({path.stat().st_size / 1e6:.1f} MB)")
        floors = [floor(path) for _ in range(args.runs)]
        parses = [calamine(path) for _ in range(args.runs)]
        plain = median(floors)
        print(f"  (1) floor: openpyxl read-only parse, no defusedxml   {plain:7.2f} s")
        print(f"      python-calamine parse                            {median(parses):7.2f} s")

        if args.anchor_rows and rows == sizes[0]:
            reset(companies, rows)
            anchor_rows = min(rows, args.anchor_rows)
            seconds, totals = import_export(path, companies[ANCHOR], anchor_rows)
            per_row = seconds / anchor_rows
            print(f"  (2) django-import-export, {anchor_rows:,} rows            {seconds:7.2f} s "
                  f"({per_row * 1000:.2f} ms a row; {dict(totals)})")
            anchor_per_row = per_row

        checks, registers = [], []
        for _ in range(args.runs):
            reset(companies, rows)
            checks.append(_run("--measure-check", str(path)))
            registers.append(_run("--measure-register", str(checks[-1]["upload"])))
        totals = [c["seconds"] + r["seconds"] for c, r in zip(checks, registers)]
        total = median(totals)
        print(f"  (3) upload end to end, Upload to result workbook     {total:7.2f} s "
              f"= {total / plain:.2f}x the openpyxl parse (target <= 1x: {'met' if total <= plain else 'NOT met'}; "
              f"<= 0.5x: {'met' if total <= 0.5 * plain else 'not yet'}), {total / median(parses):.1f}x calamine's")
        for name in checks[0]["phases"]:
            print(f"        {name:44} {median([c['phases'][name] for c in checks]):7.2f} s")
        for name in registers[0]["phases"]:
            print(f"        {name:44} {median([r['phases'][name] for r in registers]):7.2f} s")
        print(f"      SQL queries {checks[0]['queries']} + {registers[0]['queries']}; peak memory "
              f"{max(r['rss_mb'] for r in checks):.0f} MB (preview), {max(r['rss_mb'] for r in registers):.0f} MB "
              f"(registering and result workbook), each a fresh process as a worker task; result "
              f"{registers[0]['workbook_size_mb']:.1f} MB; outcomes {registers[0]['counts']}")
        if anchor_per_row:
            print(f"      vs django-import-export: {anchor_per_row * rows / total:.0f}x faster (its per-row cost x "
                  f"{rows:,})")
        reset(companies, rows)
        commands = [command(path) for _ in range(args.runs) if reset(companies, rows) is None]
        print(f"  (4) import_registrations command, process start included {median(commands):7.2f} s")
    reset(companies, 0)


if __name__ == "__main__":
    main()
