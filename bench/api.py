"""The REST API with 10,000 registrations for the company among 200,000 in all (the data of
bench/overview.py, built once in cashback_bench).

Prints, for the list endpoint: SQL statements per request at page sizes 10 and 100 (they must
be equal) and the median and 95th percentile latency of a page of 100, filtered and not, and
the anchor measured in the same run: the same requests for a company with 10 registrations.
Then the bulk endpoint: 1,000 new devices in one request (target < 2 s), median of 5 runs.

    .venv/bin/python bench/api.py [--requests 30]
"""

import argparse
import time
from datetime import date

from _setup import QueryCounter, median, p95, setup

# The project is imported inside the functions below: Django is set up first, by setup().
from overview import build_data


def measure(client, url, requests, params):
    from django.db import connection

    client.get(url, params)  # warm up
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code, response.content[:200])
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
    return counter.count, median(timings), p95(timings)


def main():
    import logging

    logging.getLogger("registrations.api").setLevel(logging.WARNING)  # one log line per request otherwise
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    setup()
    build_data()
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.test import APIClient
    from rest_framework.throttling import SimpleRateThrottle

    from devices.models import Campaign, KnownDevice, ProductModel
    from registrations.api.services import create_token
    from registrations.companies.models import Company
    from registrations.core.models import Registration

    SimpleRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "api": "100000/min"}  # measure, not throttle
    cache.clear()
    clients = {}
    for label, number in [("10 rows (anchor)", "BENCHSMALL"), ("10,000 rows", "BENCHBIG")]:
        company = Company.objects.get(customer_number=number)
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en", SERVER_NAME="testserver")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_token(company, name='bench', user=company.memberships.first().user)[1]}")
        clients[label] = client

    print(f"{Registration.objects.count():,} registrations in all")
    print(f"{'request':44} {'company':18} {'queries':>7} {'median ms':>10} {'p95 ms':>8}")
    results = {}
    variants = [
        ("list, page size 10", {"page_size": 10}),
        ("list, page size 100", {"page_size": 100}),
        ("list, page size 100, page 50", {"page_size": 100, "page": 50}),
        ("list, status=accepted, page size 100", {"status": "accepted", "page_size": 100}),
        ("list, changed_since, page size 100", {"changed_since": "2026-06-01T00:00:00Z", "page_size": 100}),
    ]
    for label, client in clients.items():
        for name, params in variants:
            results[(label, name)] = measure(client, "/api/v1/registrations/", args.requests, params)
            queries, med, high = results[(label, name)]
            print(f"{name:44} {label:18} {queries:7d} {med:10.1f} {high:8.1f}")
    # (Page 50 of the anchor company is past its end: an empty page without a row query.)
    same = len({queries for (label, name), (queries, _m, _p) in results.items()
                if not (label.startswith("10 rows") and "page 50" in name)}) == 1
    print("SQL statements the same for page size 10 and 100, and for 10 or 10,000 rows:", "yes" if same else "NO")

    # Bulk: 1,000 devices the maker knows, registered by the big company in one request.
    campaign = Campaign.objects.get(slug="bench")
    product = ProductModel.objects.get(code="STP10.0-3SE-40")
    if not Campaign.objects.filter(pk=campaign.pk, is_active=True).exists():
        raise SystemExit("the bench campaign is not active")
    timings, made = [], []
    for run in range(5):
        serials = [f"9{run}{n:08d}" for n in range(1000)]
        made += serials
        KnownDevice.objects.bulk_create([KnownDevice(serial=s, product=product) for s in serials],
                                        ignore_conflicts=True)
        Registration.objects.filter(serial__in=serials).delete()
        devices = [{"serial": s, "product": product.code, "installed_on": date(2026, 5, 1).isoformat(),
                    "postcode": "3511 AB", "country": "NL"} for s in serials]
        started = time.perf_counter()
        response = clients["10,000 rows"].post("/api/v1/registrations/bulk/", {"devices": devices}, format="json")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
        counts = response.json()["counts"]
        assert counts["registered"] + counts["more_info"] == 1000, counts
    Registration.objects.filter(serial__in=made).delete()  # the overview bench keeps its 10,000
    print(f"bulk, 1,000 devices in one request: median {median(timings):.2f} s (runs: "
          f"{', '.join(f'{t:.2f}' for t in timings)}) [target < 2 s]")


if __name__ == "__main__":
    main()
