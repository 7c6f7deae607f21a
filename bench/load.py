"""Pages under load: the status overview and the API list of a company with 10,000 registrations
among about 250,000, served by gunicorn (3 workers, DEBUG=0, PostgreSQL) and driven by wrk over
loopback, for a bounded time, with 1 and with 8 clients.

Prints per page and number of clients: requests per second, median and 95th percentile latency,
errors (non-2xx answers and socket errors), and the targets of issue 13: p95 <= 100 ms for one
client, and the 8-client p95 within 3x of the one-client p95. The company's rows come in blocks
that share their `created_at`, as the rows of one upload do.

    .venv/bin/python bench/load.py [--seconds 10]   (needs Debian's wrk: apt-get install wrk)
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from _setup import ROOT, setup

import overview

PORT = 8765
BLOCKS, BLOCK = 5, 2_000  # the company's 10,000 rows: five uploads of 2,000
EXTRA = 40_000  # other companies' rows on top of the overview bench's 200,000
TARGET_P95_MS, TARGET_RATIO = 100.0, 3.0

WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
               + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %.3f %.2f %.2f %d\\n", summary.requests, summary.duration / 1e6,
                         latency:percentile(50) / 1000, latency:percentile(95) / 1000, errors))
end
"""


# The project's modules are imported inside the functions: main() sets Django up first (as in
# every bench script).


def build_data():
    from django.db import connection, transaction
    from django.utils import timezone

    from devices.models import Campaign, ProductModel
    from registrations.companies.choices import Role
    from registrations.companies.models import Company, Enrolment, Membership, User
    from registrations.core.choices import Reason, Source, Status
    from registrations.core.models import Registration

    overview.build_data()
    if Company.objects.filter(customer_number="BENCHLOAD").exists():
        return
    print("building the load bench's company (once) …")
    campaign = Campaign.objects.get(slug="bench")
    products = list(ProductModel.objects.filter(code__startswith="STP"))
    now = timezone.now()
    with transaction.atomic():
        for number, rows, blocks in (("BENCHLOAD", BLOCKS * BLOCK, BLOCKS), ("BENCHEXTRA", EXTRA, EXTRA // 1000)):
            company = Company.objects.create(
                name=f"Company {number}", customer_number=number, vat_number="NL004495445B01", country="NL",
                street="x", postcode="1234 AB", city="x", contact_email=f"{number.lower()}@example.com")
            user = User.objects.create_user(email=f"{number.lower()}@example.com", password="bench")
            Membership.objects.create(user=user, company=company, role=Role.ADMIN)
            Enrolment.objects.create(company=company, campaign=campaign, accepted_by=user)
            serial = 5_000_000_000 if number == "BENCHLOAD" else 6_000_000_000
            for block in range(blocks):
                created = now - timedelta(days=block)  # one upload's rows share their moment
                Registration.objects.bulk_create([
                    Registration(
                        company=company, campaign=campaign, serial=str(serial + block * 100_000 + n),
                        product=products[n % len(products)], installed_on=date(2026, 5, 1), postcode="1234 AB",
                        country="NL", reference=f"REF-{n}", source=Source.EXCEL, status=Status.ACCEPTED,
                        reason=Reason.ELIGIBLE, amount_cents=15000, created_at=created, status_changed_at=created,
                    ) for n in range(rows // blocks)
                ], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def credentials():
    """A signed-in session and an API token of the company, valid for the gunicorn processes."""
    from django.test import Client

    from registrations.api.services import create_token
    from registrations.companies.models import Company, User

    user = User.objects.get(email="benchload@example.com")
    client = Client()
    client.force_login(user)
    token = create_token(Company.objects.get(customer_number="BENCHLOAD"), name=f"load {time.time()}", user=user)[1]
    return client.cookies["sessionid"].value, token


def start_gunicorn():
    environment = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "DB_CONN_MAX_AGE": "60",
                   "API_RATE": "1000000/min", "LOG_LEVEL": "WARNING"}  # pages, not the throttle or logging
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "cashback.wsgi", "--workers", "3", "--bind", f"127.0.0.1:{PORT}",
         "--log-level", "warning"],
        cwd=ROOT, env=environment,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/login/", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("gunicorn did not start")


def wrk(url, headers, clients, seconds, script):
    command = ["wrk", "--threads", str(min(clients, 2)), "--connections", str(clients), "--duration", f"{seconds}s",
               "--timeout", "5s", "--script", script]
    for header in headers:
        command += ["--header", header]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    requests, duration, median, high, errors = re.search(r"RESULT (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+)",
                                                         output).groups()
    return int(requests) / float(duration), float(median), float(high), int(errors)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    setup()
    build_data()
    from registrations.core.models import Registration

    mine = Registration.objects.filter(company__customer_number="BENCHLOAD").count()
    print(f"{Registration.objects.count():,} registrations in all, {mine:,} of the company; gunicorn 3 workers, "
          f"DEBUG=0, PostgreSQL; wrk for {args.seconds} s per line")
    session, token = credentials()
    pages = [
        ("status overview", "/", [f"Cookie: sessionid={session}", "Accept-Language: nl"]),
        ("API list (50)", "/api/v1/registrations/?page_size=50", [f"Authorization: Bearer {token}"]),
    ]
    server = start_gunicorn()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_REPORT)
    try:
        print(f"{'page':18} {'clients':>7} {'req/s':>7} {'median ms':>10} {'p95 ms':>8} {'errors':>6}  target")
        for name, path, headers in pages:
            url = f"http://127.0.0.1:{PORT}{path}"
            wrk(url, headers, 1, 2, script.name)  # warm up: connections, caches
            one = wrk(url, headers, 1, args.seconds, script.name)
            eight = wrk(url, headers, 8, args.seconds, script.name)
            for clients, (rps, median, high, errors) in ((1, one), (8, eight)):
                if clients == 1:
                    target = f"p95 <= {TARGET_P95_MS:.0f} ms: {'met' if high <= TARGET_P95_MS else 'NOT met'}"
                else:
                    target = (f"p95 <= {TARGET_RATIO:.0f} x {one[2]:.1f} ms: "
                              f"{'met' if high <= TARGET_RATIO * one[2] else 'NOT met'}")
                print(f"{name:18} {clients:7d} {rps:7.1f} {median:10.1f} {high:8.1f} {errors:6d}  {target}")
    finally:
        server.terminate()
        server.wait()
        Path(script.name).unlink()


if __name__ == "__main__":
    main()
