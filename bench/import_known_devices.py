"""How long `import_known_devices` takes for the maker's list of 1,000,000 serials.

Target (issue 2): under 2 minutes on PostgreSQL here. Anchor, measured in the same run:
PostgreSQL's own COPY of the same CSV into an unlogged table with a unique index, the floor
for getting these rows into the database at all.

    .venv/bin/python bench/import_known_devices.py [--rows 1000000] [--runs 1]
"""

import argparse
import csv
import tempfile
import time
from pathlib import Path

from _setup import median, setup

# The project is imported inside the functions below: Django is set up first, by setup().


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1, help="fresh loads to take the median of")
    args = parser.parse_args()
    setup()

    from django.core.management import call_command
    from django.db import connection

    from devices.models import KnownDevice, ProductFamily, ProductModel

    family, _ = ProductFamily.objects.get_or_create(code="bench", defaults={"name": "Bench", "serial_length": 10})
    codes = [f"BENCH-{n}" for n in range(8)]
    for code in codes:
        ProductModel.objects.get_or_create(code=code, defaults={"family": family})

    workdir = Path(tempfile.mkdtemp(prefix="bench-known-"))
    path = workdir / "serials.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["serial", "product_code", "produced_on"])
        for n in range(args.rows):
            writer.writerow([f"{n:010d}", codes[n % len(codes)], "2026-01-05"])
    print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB CSV, database {connection.vendor}")

    anchor, first, again = [], [], []
    for _ in range(args.runs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS bench_copy")
                cursor.execute("CREATE UNLOGGED TABLE bench_copy (serial varchar(32) UNIQUE, code text, produced_on date)")
                started = time.perf_counter()
                with path.open() as handle:
                    cursor.copy_expert("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
                anchor.append(time.perf_counter() - started)
                cursor.execute("DROP TABLE bench_copy")

        KnownDevice.objects.all().delete()
        started = time.perf_counter()
        call_command("import_known_devices", str(path), verbosity=0)
        first.append(time.perf_counter() - started)
        assert KnownDevice.objects.count() == args.rows

        started = time.perf_counter()
        call_command("import_known_devices", str(path), verbosity=0)
        again.append(time.perf_counter() - started)
        assert KnownDevice.objects.count() == args.rows

    if anchor:
        print(f"anchor: COPY into an indexed table   median {median(anchor):7.1f} s")
    print(f"import_known_devices, empty table   median {median(first):7.1f} s   (target < 120 s)")
    print(f"import_known_devices, same file again median {median(again):7.1f} s   (all unchanged)")
    KnownDevice.objects.filter(product__family=family).delete()


if __name__ == "__main__":
    main()
