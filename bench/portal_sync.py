"""A full monitoring-portal sync: 2,000 enrolled companies with 25 devices each (50,000 devices,
both portals, some in both), against the stand-in served by `run_portal_standin` in its own
process, on PostgreSQL. Then the same sync again, with nothing changed.

Prints, for both runs: wall time, SQL statements (and how many of them write), peak memory of
this process; the ratio second/first. Anchor, measured in the same run: fetching every
company's feed from both portals with the same client and threads, without touching the
database (the floor of the second run).

    .venv/bin/python bench/portal_sync.py [--companies 2000] [--devices 25]

Uses its own database (cashback_bench_sync, recreated on every run).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cashback_bench_sync")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

from _setup import ROOT, QueryCounter, peak_rss_mb, recreate_database, setup  # noqa: E402

# The project is imported inside the functions below: Django is set up first, by setup().

FAMILIES = [("stp-se", "Sunny Tripower Smart Energy", "STP10.0-3SE-40"), ("shm", "Sunny Home Manager", "HM-20"),
            ("core2", "Sunny Tripower CORE2", "STP 110-60"), ("evc", "EV Charger Business", "EVC22-3AC-10")]


def build(companies, per_company):
    from django.db import transaction

    from devices.models import Campaign, CampaignProduct, KnownDevice, ProductFamily, ProductModel
    from registrations.companies.models import Company, Enrolment

    campaign = Campaign.objects.create(
        slug="bench-sync", name="Bench sync", installation_starts_on=date(2026, 1, 1),
        installation_ends_on=date(2026, 12, 31), registration_deadline=date(2099, 1, 31), audit_sample_percent=0,
    )
    products = []
    for code, name, product_code in FAMILIES:
        family = ProductFamily.objects.create(code=code, name=name, serial_length=10, transferred_from_portal=True)
        product = ProductModel.objects.create(code=product_code, family=family)
        CampaignProduct.objects.create(campaign=campaign, product=product, amount_cents=15000)
        products.append(product)
    with transaction.atomic():
        rows = [Company(name=f"Bench {n}", customer_number=f"B{n:06d}", vat_number="NL004495445B01", country="NL",
                        street="Energieweg 1", postcode="3542 DR", city="Utrecht", contact_email=f"b{n}@example.com")
                for n in range(companies)]
        Company.objects.bulk_create(rows, batch_size=1000)
        Enrolment.objects.bulk_create([Enrolment(company=c, campaign=campaign) for c in Company.objects.all()],
                                      batch_size=1000)
        KnownDevice.objects.bulk_create([
            KnownDevice(serial=f"{4000000000 + n}", product=products[n % len(products)])
            for n in range(companies * per_company)
        ], batch_size=5000)

    def device(n):
        return {"deviceId": f"d{n}", "product": products[n % len(products)].code, "productId": n % 4,
                "serial": f"{4000000000 + n}", "isActive": True, "dataReceivedUtc": "2026-05-02T10:00:00Z"}

    sunny, ennexos = [], []
    in_sunny = per_company * 3 // 5
    for c in range(companies):
        serials = list(range(c * per_company, (c + 1) * per_company))
        number = f"B{c:06d}"

        def profile(devices, name):
            return {"profileId": f"{name}-{c}", "customerNumber": number,
                    "customerNumberEnteredUtc": "2026-03-01T08:00:00Z",
                    "plants": [{"plantId": f"{name}-p{c}", "name": f"Plant {c}",
                                "installation": {"startUpUtc": "2026-05-01T09:00:00Z"},
                                "location": {"address": {"zipCode": "3511 AB", "country": "NL"}},
                                "devices": [device(n) for n in devices]}]}

        sunny.append(profile(serials[:in_sunny], "sp"))
        ennexos.append(profile(serials[in_sunny - 3:], "ex"))  # three devices in both portals
    return {"portals": {"sunny_portal": {"profiles": sunny}, "ennexos": {"profiles": ennexos}}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(call):
    from django.db import connection

    counter, writes = QueryCounter(), QueryCounter()

    def count_writes(execute, sql, params, many, context):
        bookkeeping = ("portal_sync_sync", "portal_sync_companysyncstate")
        if sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE") and not any(t in sql for t in bookkeeping):
            writes.count += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(counter), connection.execute_wrapper(count_writes):
        result = call()
    return result, time.perf_counter() - started, counter.count, writes.count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=2000)
    parser.add_argument("--devices", type=int, default=25)
    args = parser.parse_args()

    recreate_database()
    setup()
    from django.conf import settings

    from portal_sync import services
    from portal_sync.client import PortalClient, configured_portals
    from registrations.core.models import Registration

    print(f"building {args.companies} companies × {args.devices} devices …")
    data = build(args.companies, args.devices)
    port = free_port()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(data, handle)
    standin = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "run_portal_standin", "--port", str(port), "--data", handle.name],
        cwd=ROOT, stdout=subprocess.DEVNULL, env={**os.environ, "DEBUG": "1"},
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        settings.PORTALS = [
            {"name": "sunny_portal", "base_url": f"http://127.0.0.1:{port}/sunny-portal", "client_id": "demo-sp",
             "client_secret": "demo-sp-secret"},
            {"name": "ennexos", "base_url": f"http://127.0.0.1:{port}/ennexos", "client_id": "demo-ennexos",
             "client_secret": "demo-ennexos-secret"},
        ]
        del data

        # Anchor: the feed alone, same client, same number of threads, no database.
        from concurrent.futures import ThreadPoolExecutor

        numbers = [f"B{c:06d}" for c in range(args.companies)]
        started = time.perf_counter()
        with ThreadPoolExecutor(settings.PORTAL_SYNC_FETCH_THREADS) as pool:
            def fetch_all(chunk):
                clients = [PortalClient(config) for config in configured_portals()]
                return sum(len(client.sightings(n)) for n in chunk for client in clients)

            step = len(numbers) // settings.PORTAL_SYNC_FETCH_THREADS + 1
            seen = sum(pool.map(fetch_all, [numbers[i:i + step] for i in range(0, len(numbers), step)]))
        anchor = time.perf_counter() - started

        first, first_time, first_queries, first_writes = measure(services.sync)
        first_rss = peak_rss_mb()
        second, second_time, second_queries, second_writes = measure(services.sync)
        second_rss = peak_rss_mb()
    finally:
        standin.terminate()
        standin.wait()
        os.unlink(handle.name)

    assert first.registered == args.companies * args.devices, first.registered
    assert Registration.objects.count() == args.companies * args.devices
    assert second.registered == 0 and second_writes == 0
    print(f"\nanchor: feed of {args.companies} companies from both portals, no database: {anchor:.1f} s "
          f"({seen} device sightings, {2 * args.companies} feed calls, {settings.PORTAL_SYNC_FETCH_THREADS} threads)")
    print(f"first run:  {first_time:.1f} s, {first.companies} companies, {first.devices_seen} devices, "
          f"{first.registered} registered, {first_queries} SQL statements, "
          f"peak memory {first_rss:.0f} MB  [target < 60 s, < 300 MB]")
    print(f"second run: {second_time:.1f} s, {second.registered} registered, {second.unchanged} unchanged, "
          f"{second_queries} SQL statements ({second_writes} writing registrations or devices; besides them the run record, its lock and each company's sync time), "
          f"peak memory {second_rss:.0f} MB")
    print(f"ratio second/first: {second_time / first_time:.2f}  [target < 0.33]")


if __name__ == "__main__":
    main()
