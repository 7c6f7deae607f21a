"""The status overview of a company with 10,000 registrations among 200,000 in all.

Prints, per variant of the page, the number of SQL queries and the median and 95th percentile
response time through Django's test client (whole request: middleware, queries, template).
Anchor, measured in the same run: the same page for a company with 10 registrations; the
query counts must be equal (they do not grow with the number of rows).

    .venv/bin/python bench/overview.py [--requests 30]
"""

import argparse
import random
import time
from datetime import date, timedelta

from _setup import QueryCounter, median, p95, setup

# The project is imported inside the functions below: Django is set up first, by setup().

BIG, SMALL, TOTAL = 10_000, 10, 200_000


def build_data():
    from django.db import transaction
    from django.utils import timezone

    from devices.models import Campaign, CampaignProduct, ProductFamily, ProductModel
    from registrations.companies.choices import Role
    from registrations.companies.models import Company, Enrolment, Membership, User
    from registrations.core.choices import Reason, Source, Status
    from registrations.core.models import Registration

    if Company.objects.filter(customer_number="BENCHBIG").exists():
        return
    print("building bench data (once) …")
    family, _ = ProductFamily.objects.get_or_create(code="stp-se", defaults={"name": "Sunny Tripower Smart Energy"})
    products = [ProductModel.objects.get_or_create(code=f"STP{kw}.0-3SE-40", defaults={"family": family})[0]
                for kw in (5, 6, 8, 10)]
    campaign, _ = Campaign.objects.get_or_create(slug="bench", defaults=dict(
        name="Bench campaign", installation_starts_on=date(2026, 1, 1), installation_ends_on=date(2026, 12, 31),
        registration_deadline=date(2099, 1, 31)))
    for product in products:
        CampaignProduct.objects.get_or_create(campaign=campaign, product=product, defaults={"amount_cents": 15000})
    sizes = [("bench-big", BIG), ("bench-small", SMALL)]
    rest = TOTAL - BIG - SMALL
    sizes += [(f"bench-{n}", rest // 190 + (1 if n < rest % 190 else 0)) for n in range(190)]
    rng = random.Random(7)
    statuses = [(Status.ACCEPTED, Reason.ELIGIBLE)] * 6 + [
        (Status.MORE_INFO, Reason.AUDIT_SAMPLE), (Status.IN_REVIEW, Reason.DOCUMENTS_RECEIVED),
        (Status.NOT_REGISTRABLE, Reason.UNKNOWN_SERIAL), (Status.NOT_REGISTRABLE, Reason.MODEL_MISMATCH),
    ]
    serial = 1_000_000_000
    now = timezone.now()
    with transaction.atomic():
        for number, size in sizes:
            company = Company.objects.create(
                name=f"Company {number}", customer_number=number.replace("-", "").upper()[:20],
                vat_number="NL004495445B01", country="NL", street="x", postcode="1234 AB", city="x",
                contact_email=f"{number}@example.com")
            user = User.objects.create_user(email=f"{number}@example.com", password="bench")
            Membership.objects.create(user=user, company=company, role=Role.ADMIN)
            Enrolment.objects.create(company=company, campaign=campaign, accepted_by=user)
            batch = []
            for _ in range(size):
                serial += 1
                status, reason = rng.choice(statuses)
                batch.append(Registration(
                    company=company, campaign=campaign, serial=str(serial), product=rng.choice(products),
                    installed_on=date(2026, 1, 1) + timedelta(days=rng.randrange(300)), postcode="1234 AB",
                    country="NL", reference=f"REF-{serial % 9973}", source=rng.choice(list(Source)),
                    status=status, reason=reason, reason_params={"serial": str(serial), "known_product": "STP5.0-3SE-40"},
                    amount_cents=None if status == Status.NOT_REGISTRABLE else 15000,
                    documents_due_at=now + timedelta(days=5) if status == Status.MORE_INFO else None,
                    created_at=now - timedelta(minutes=rng.randrange(500_000)),
                ))
            Registration.objects.bulk_create(batch, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")


def measure(client, url, requests):
    from django.db import connection

    client.get(url)  # warm up
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return counter.count, median(timings), p95(timings)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    setup()
    build_data()
    from django.db import connection
    from django.test import Client

    from registrations.companies.models import User
    from registrations.core.models import Registration

    print(f"{Registration.objects.count():,} registrations in all, database {connection.vendor}")
    variants = [
        ("default (newest first)", "/"),
        ("status filter", "/?status=accepted"),
        ("search serial or reference", "/?q=0000"),
        ("sort by serial, page 50", "/?sort=serial&page=50"),
        ("product filter", "/?product=STP10.0-3SE-40"),
    ]
    results = {}
    for label, email in [("10 rows (anchor)", "bench-small@example.com"), ("10,000 rows", "bench-big@example.com")]:
        client = Client(HTTP_ACCEPT_LANGUAGE="nl")
        client.force_login(User.objects.get(email=email))
        for name, url in variants:
            results[(label, name)] = measure(client, url, args.requests)
    print(f"{'page':28} {'company':18} {'queries':>7} {'median ms':>10} {'p95 ms':>8}")
    for (label, name), (queries, med, high) in results.items():
        print(f"{name:28} {label:18} {queries:7d} {med:10.1f} {high:8.1f}")
    same = all(results[("10 rows (anchor)", n)][0] == results[("10,000 rows", n)][0] for n, _ in variants)
    print("query count independent of the number of rows:", "yes" if same else "NO")


if __name__ == "__main__":
    main()
