"""The Excel upload path against the floor and a general-purpose importer (issue 3).

For generated files of 10,000 and 100,000 rows (about 5% each of unknown serials, model
mismatches, in-file duplicates and serials already registered by another company), measured
in the same run on PostgreSQL:

1. the floor: openpyxl read-only parse of the file alone, no database;
2. django-import-export 4 importing the same rows into the same table with its defaults
   (at 10,000 rows; --anchor-rows to change);
3. this project's upload path end to end: store the file, read and check every row (the
   preview), then read, check and register every row with statuses and history rows,
   committed; with its SQL query count and peak memory (RSS of a fresh process);
4. building the result workbook for that upload, on its own line.

    .venv/bin/python bench/upload_services.py [--sizes 10000,100000] [--runs 3]

Each measurement of (3) and (4) runs in a fresh process, so peak memory is that of the
upload alone; medians over --runs.
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from _setup import QueryCounter, median, peak_rss_mb, setup

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


def measure_check(path):
    """Store the file and check every row (the preview), in this fresh process; one JSON line."""
    from django.core.files import File
    from django.db import connection

    from registrations.companies.models import Company
    from registrations.uploads import services as upload_services

    company = Company.objects.get(customer_number=CUSTOMER)
    user = company.memberships.first().user
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        with open(path, "rb") as handle:
            upload = upload_services.receive(company=company, uploaded_file=File(handle, name=Path(path).name), user=user)
        upload_services.preview_upload(upload)
    print(json.dumps({"upload": upload.pk, "seconds": time.perf_counter() - started, "queries": counter.count,
                      "rss_mb": peak_rss_mb()}))


def measure_register(upload_id):
    """The installer confirms: read, check and register every row, committed; then the result
    workbook. In this fresh process, as the worker runs it; one JSON line."""
    from django.db import connection

    from registrations.uploads import services as upload_services
    from registrations.uploads.models import Upload
    from registrations.uploads.results import build_workbook

    upload = Upload.objects.select_related("company", "uploaded_by").get(pk=upload_id)
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        upload_services.start_import(upload, user=upload.uploaded_by)
        answers = excel_import_register(upload)
    seconds = time.perf_counter() - started
    rss = peak_rss_mb()
    workbook_started = time.perf_counter()
    handle = build_workbook(answers)
    print(json.dumps({
        "seconds": seconds, "queries": counter.count, "rss_mb": rss, "counts": upload.result_counts,
        "workbook": time.perf_counter() - workbook_started,
        "workbook_rss_mb": peak_rss_mb(),
        "workbook_size_mb": handle.seek(0, 2) / 1e6,
    }))


def excel_import_register(upload):
    """register() as the worker runs it, keeping the answers for the result workbook."""
    from django.db import transaction
    from django.utils import timezone

    from registrations.uploads import services as upload_services
    from registrations.uploads.models import Upload

    with transaction.atomic():
        answers = upload_services.register_rows(upload)
        upload_services._finish(upload, Upload.State.IMPORTED, result_counts=upload_services.count_outcomes(answers),
                              imported_at=timezone.now(), rows=len(answers))
    return answers


def floor(path):
    from openpyxl import load_workbook

    started = time.perf_counter()
    workbook = load_workbook(path, read_only=True)
    rows = sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return time.perf_counter() - started, rows


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
        floors = [floor(path)[0] for _ in range(args.runs)]
        print(f"  (1) floor: openpyxl read-only parse          {median(floors):7.2f} s")

        if args.anchor_rows and rows == sizes[0]:
            reset(companies, rows)
            anchor_rows = min(rows, args.anchor_rows)
            seconds, totals = import_export(path, companies[ANCHOR], anchor_rows)
            per_row = seconds / anchor_rows
            print(f"  (2) django-import-export, {anchor_rows:,} rows          {seconds:7.2f} s "
                  f"({per_row * 1000:.2f} ms a row; {dict(totals)})")
            anchor_per_row = per_row

        checks, registers = [], []
        for _ in range(args.runs):
            reset(companies, rows)
            checks.append(_run("--measure-check", str(path)))
            registers.append(_run("--measure-register", str(checks[-1]["upload"])))
        check, register = median([r["seconds"] for r in checks]), median([r["seconds"] for r in registers])
        total = check + register
        print(f"  (3) upload path end to end                  {total:7.2f} s "
              f"(preview {check:.2f} s + confirm: read, check, register, commit {register:.2f} s)")
        print(f"      SQL queries {checks[0]['queries']} + {registers[0]['queries']}; peak memory "
              f"{max(r['rss_mb'] for r in checks):.0f} MB (preview), {max(r['rss_mb'] for r in registers):.0f} MB "
              f"(registering), each a fresh process as a worker task; outcomes {registers[0]['counts']}")
        results = registers
        versus = f"; vs django-import-export: {anchor_per_row * rows / total:.0f}x faster (per row)" if anchor_per_row else ""
        print(f"      vs floor: {total / median(floors):.2f}x the parse time{versus}")
        print(f"  (4) result workbook                         {median([r['workbook'] for r in results]):7.2f} s "
              f"(streamed, write-only; process peak {max(r['workbook_rss_mb'] for r in results):.0f} MB, "
              f"{results[0]['workbook_size_mb']:.1f} MB file)")
    reset(companies, 0)


if __name__ == "__main__":
    main()
