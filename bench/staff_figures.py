"""The campaign desk (/staff/) with 200,000 and then 1,000,000 registrations (issue 15).

The data: one campaign, 2,000 companies, registrations spread over 300 days from every source
in every status (a history row each, as registering writes them; 3% decided by a reviewer,
1% expired), payout batches. Prints, for each size, the page's median and 95th percentile
through Django's test client (the whole request: middleware, queries, template) and its SQL
statement count, which must not grow with the rows. The anchor, measured in the same run:
the registration figures (counts by day, source and status; cashback; reasons; top companies)
by plain GROUP BY over the registrations, what the tally saves.

    .venv/bin/python bench/staff_figures.py [--requests 30] [--sizes 200000,1000000] [--fresh]

The project's imports sit in the functions, as in every bench: Django is set up by main() first.
"""

import argparse
import random
import time
from datetime import date, datetime, timedelta

from _setup import QueryCounter, median, p95, recreate_database, setup

COMPANIES = 2000
SLUG = "bench-desk"


def campaign_and_companies():
    from devices.models import Campaign, CampaignProduct, ProductFamily, ProductModel
    from registrations.companies.models import Company

    family, _ = ProductFamily.objects.get_or_create(code="bench-desk", defaults={"name": "Bench", "serial_length": 10})
    products = [ProductModel.objects.get_or_create(code=f"DESK{kw}-40", defaults={"family": family})[0]
                for kw in (5, 6, 8, 10)]
    campaign, _ = Campaign.objects.get_or_create(slug=SLUG, defaults=dict(
        name="Bench desk", installation_starts_on=date(2026, 1, 1), installation_ends_on=date(2026, 12, 31),
        registration_deadline=date(2026, 11, 30)))
    for product in products:
        CampaignProduct.objects.get_or_create(campaign=campaign, product=product, defaults={"amount_cents": 15000})
    existing = Company.objects.filter(customer_number__startswith="DESK").count()
    Company.objects.bulk_create([
        Company(name=f"Desk company {n}", customer_number=f"DESK{n:05d}", vat_number="NL004495445B01", country="NL",
                street="x", postcode="1234 AB", city="x", contact_email=f"desk{n}@example.com")
        for n in range(existing, COMPANIES)])
    companies = list(Company.objects.filter(customer_number__startswith="DESK").values_list("pk", flat=True))
    return campaign, products, companies


def grow_to(size, campaign, products, companies):
    """Add registrations (COPY, as uploads write them) until the campaign has `size`."""
    from django.db import connection, transaction
    from django.utils import timezone

    from cashback.bulk import Same, insert_rows
    from registrations.core.choices import Reason, Source, Status
    from registrations.core.models import Registration, StatusChange

    have = Registration.objects.filter(campaign=campaign).count()
    if have >= size:
        return
    print(f"adding {size - have:,} registrations (once) …")
    rng = random.Random(size)
    kinds = ([(Status.ACCEPTED, Reason.ELIGIBLE)] * 12 + [(Status.PAID, Reason.PAID)] * 4
             + [(Status.MORE_INFO, Reason.AUDIT_SAMPLE), (Status.IN_REVIEW, Reason.DOCUMENTS_RECEIVED)]
             + [(Status.NOT_REGISTRABLE, r) for r in (Reason.UNKNOWN_SERIAL, Reason.UNKNOWN_SERIAL,
                                                      Reason.MODEL_MISMATCH, Reason.INSTALLED_OUTSIDE_PERIOD)])
    tz = timezone.get_current_timezone()
    start = datetime(2026, 1, 1, 8, tzinfo=tz)
    weights = [1 + (n % 40 == 0) * 30 for n in range(len(companies))]  # some companies register much more
    block = 100_000
    for offset in range(have, size, block):
        count = min(block, size - offset)
        picked = [rng.choice(kinds) for _ in range(count)]
        created = [start + timedelta(minutes=rng.randrange(300 * 24 * 60)) for _ in range(count)]
        statuses = [s for s, _r in picked]
        with transaction.atomic():
            ids = insert_rows(Registration, {
                "company_id": rng.choices(companies, weights, k=count),
                "campaign_id": Same(campaign.pk),
                "serial": [f"8{offset + n:09d}" for n in range(count)],
                "product_id": [rng.choice(products).pk for _ in range(count)],
                "installed_on": [c.date() for c in created],
                "postcode": Same("1234 AB"),
                "country": [rng.choice(["NL", "NL", "NL", "BE", "LU"]) for _ in range(count)],
                "reference": Same(""),
                "source": [rng.choice(Source.values) for _ in range(count)],
                "status": statuses,
                "reason": [r for _s, r in picked],
                "reason_params": Same({}),
                "note": Same(""),
                "amount_cents": [None if s == Status.NOT_REGISTRABLE else 15000 for s in statuses],
                "documents_due_at": [c + timedelta(days=30) if s == Status.MORE_INFO else None
                                     for s, c in zip(statuses, created)],
                "created_at": created,
                "status_changed_at": created,
                "paid_at": [c + timedelta(days=20) if s == Status.PAID else None for s, c in zip(statuses, created)],
            }, count=count, return_ids=True)
            first = [(pk, s, r, c) for pk, s, (_s, r), c in zip(ids, statuses, picked, created)]
            decided = [(pk, c) for pk, s, _r, c in first if s == Status.ACCEPTED and rng.random() < 0.2]
            expired = [(pk, c) for pk, s, _r, c in first if s == Status.NOT_REGISTRABLE and rng.random() < 0.05]
            insert_rows(StatusChange, {
                "registration_id": [pk for pk, *_rest in first] + [pk for pk, _c in decided + expired],
                "from_status": [""] * count + [Status.IN_REVIEW] * len(decided) + [Status.MORE_INFO] * len(expired),
                "to_status": statuses + [Status.ACCEPTED] * len(decided) + [Status.NOT_REGISTRABLE] * len(expired),
                "reason": [r for _pk, _s, r, _c in first] + [Reason.APPROVED] * len(decided)
                + [Reason.DEADLINE_EXPIRED] * len(expired),
                "actor_id": Same(None), "job": Same(""), "note": Same(""),
                "created_at": created + [c + timedelta(days=3) for _pk, c in decided + expired],
            }, count=count + len(decided) + len(expired))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registrations_registration")
        cursor.execute("VACUUM ANALYZE registrations_statuschange")
        for table in ("daytally", "companytally", "movetally"):
            cursor.execute(f"VACUUM ANALYZE registrations_{table}")


def payout_batches(campaign, user):
    from registrations.payouts.models import PayoutBatch

    if PayoutBatch.objects.filter(campaign=campaign).exists():
        return
    for n, state in enumerate([PayoutBatch.State.PAID] * 8 + [PayoutBatch.State.EXPORTED, PayoutBatch.State.OPEN]):
        PayoutBatch.objects.create(reference=f"DESK-{n}", state=state, campaign=campaign, created_by=user,
                                   total_cents=3_000_000 + n * 10_000, item_count=200 + n, company_count=40)


def plain_figures(campaign):
    """The registration figures without the tally: GROUP BY over the registrations themselves."""
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncDate

    from registrations.core.choices import CLAIM_STATUSES, Status
    from registrations.core.models import Registration

    chosen = Registration.objects.filter(campaign=campaign)
    list(chosen.annotate(day=TruncDate("created_at")).values("day", "source", "status")
         .annotate(n=Count("id"), amount=Sum("amount_cents")).order_by())
    list(chosen.filter(status=Status.NOT_REGISTRABLE).values("reason").annotate(n=Count("id")).order_by())
    list(chosen.filter(status__in=CLAIM_STATUSES).values("company").annotate(n=Count("id"), a=Sum("amount_cents"))
         .order_by("-n")[:10])


def timed(call, requests):
    call()  # warm up
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return median(timings), p95(timings)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--sizes", default="200000,1000000")
    parser.add_argument("--fresh", action="store_true", help="start from an empty bench database")
    args = parser.parse_args()
    if args.fresh:
        recreate_database()
    setup()
    from django.db import connection
    from django.test import Client

    from registrations.companies.models import User
    from registrations.core.models import Registration
    from registrations.core.tallies import CompanyTally, DayTally, MoveTally

    campaign, products, companies = campaign_and_companies()
    staff = User.objects.filter(email="desk-staff@example.com").first() or User.objects.create_superuser(
        email="desk-staff@example.com", password="bench")
    payout_batches(campaign, staff)
    client = Client(HTTP_ACCEPT_LANGUAGE="nl")
    client.force_login(staff)
    url = f"/staff/?campaign={campaign.pk}&start=2026-01-01&end=2026-11-30"
    print(f"database {connection.vendor}; {args.requests} requests per line; times in ms")
    print(f"{'registrations':>14} {'tally rows':>10} {'queries':>7} {'page median':>11} {'page p95':>9} "
          f"{'one country p95':>15} {'plain GROUP BY (anchor)':>24}")
    for size in [int(s) for s in args.sizes.split(",")]:
        grow_to(size, campaign, products, companies)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        page = timed(lambda: client.get(url), args.requests)
        country = timed(lambda: client.get(url + "&country=BE"), args.requests)
        anchor = timed(lambda: plain_figures(campaign), max(5, args.requests // 5))
        rows = sum(t.objects.filter(campaign=campaign).count() for t in (DayTally, CompanyTally, MoveTally))
        have = Registration.objects.filter(campaign=campaign).count()  # more than asked: a bench database of before
        print(f"{have:>14,} {rows:>10,} {counter.count:>7} {page[0]:>11.0f} {page[1]:>9.0f} {country[1]:>15.0f} "
              f"{anchor[0]:>17.0f} median")


if __name__ == "__main__":
    main()
