"""A payout batch of 50,000 accepted registrations across 2,000 companies: created, approved,
exported (SEPA file validated against the XSD, XLSX summary) and marked paid (50,000 history
rows, one email per company), on PostgreSQL.

Prints the time and the number of SQL statements of each step, and the same for the anchor,
measured in the same run: a batch of 5,000 registrations across the same 2,000 companies. The
statement counts must be equal (they grow with the companies, one email each, not with the
registrations).

    .venv/bin/python bench/payouts.py

Uses its own database (cashback_bench_payouts, recreated on every run).
"""

import os
import time
from datetime import date

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cashback_bench_payouts")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("PAYOUT_DEBTOR_IBAN", "NL91ABNA0417164300")
os.environ.setdefault("PAYOUT_DEBTOR_BIC", "ABNANL2A")

from _setup import QueryCounter, peak_rss_mb, recreate_database, setup  # noqa: E402

# The project is imported inside the functions below: Django is set up first, by setup().

COMPANIES = 2000


def build(prefix, per_company_counts):
    """Companies with bank details and accepted registrations (written directly: the bench is
    about payouts, not about registering)."""
    from django.db import transaction
    from django.utils import timezone

    from cashback.bulk import Same, insert_rows
    from devices.models import Campaign, ProductFamily, ProductModel
    from registrations.companies.models import Company
    from registrations.core.choices import Reason, Source, Status
    from registrations.core.models import Registration
    from registrations.payouts.models import BankAccount

    family, _ = ProductFamily.objects.get_or_create(code="stp-se", defaults={"name": "Sunny Tripower Smart Energy"})
    product, _ = ProductModel.objects.get_or_create(code="STP10.0-3SE-40", defaults={"family": family})
    campaign, _ = Campaign.objects.get_or_create(slug=f"bench-{prefix}", defaults=dict(
        name=f"Bench {prefix}", installation_starts_on=date(2026, 1, 1), installation_ends_on=date(2026, 12, 31),
        registration_deadline=date(2099, 1, 31)))
    with transaction.atomic():
        companies = Company.objects.bulk_create([
            Company(name=f"{prefix} {n}", customer_number=f"{prefix}{n:06d}", vat_number="NL004495445B01",
                    country="NL", street="Energieweg 1", postcode="3542 DR", city="Utrecht",
                    contact_email=f"{prefix.lower()}{n}@example.com", language="nl")
            for n in range(COMPANIES)
        ], batch_size=1000)
        BankAccount.objects.bulk_create([
            BankAccount(company=c, iban="NL91ABNA0417164300", bic="ABNANL2A", holder=c.name) for c in companies
        ], batch_size=1000)
        company_ids, serials = [], []
        for c, count in zip(companies, per_company_counts):
            company_ids += [c.pk] * count
            serials += [f"{prefix[-1]}{len(serials) + i:09d}" for i in range(count)]
        now = timezone.now()
        insert_rows(Registration, {
            "company_id": company_ids, "campaign_id": Same(campaign.pk), "serial": serials,
            "product_id": Same(product.pk), "known_device_id": Same(None), "installed_on": Same(date(2026, 5, 1)),
            "postcode": Same("3511 AB"), "country": Same("NL"), "reference": Same(""), "source": Same(Source.WEB),
            "status": Same(Status.ACCEPTED), "reason": Same(Reason.ELIGIBLE), "reason_params": Same({}),
            "note": Same(""), "amount_cents": Same(20000), "documents_due_at": Same(None), "created_at": Same(now),
            "created_by_id": Same(None), "status_changed_at": Same(now),
        }, count=len(serials))
    return campaign


def pay(campaign, alice, bob):
    from django.db import connection

    from registrations.payouts import selectors
    from registrations.payouts import services as payouts

    selection = selectors.Selection(campaign_id=campaign.pk)
    steps = {}

    def step(name, call):
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            result = call()
        steps[name] = (time.perf_counter() - started, counter.count)
        return result

    batch = step("create", lambda: payouts.create_batch(selection, actor=alice))
    step("approve", lambda: payouts.approve_batch(batch, actor=bob))
    step("export", lambda: payouts.export_batch(batch, actor=alice, execution_date=date(2026, 12, 1)))
    step("mark paid (+ emails)", lambda: payouts.mark_paid(batch, actor=bob, executed_on=date(2026, 12, 1)))
    batch.refresh_from_db()
    return batch, steps


def main():
    import logging

    recreate_database()
    setup()
    logging.getLogger("celery").setLevel(logging.WARNING)  # 4,000 "task succeeded" lines otherwise
    from django.core import mail

    from registrations.companies.models import User

    alice = User.objects.create_user(email="alice@example.com", password="x", is_staff=True)
    bob = User.objects.create_user(email="bob@example.com", password="x", is_staff=True)

    print("building 2,000 companies with 50,000 and with 5,000 accepted registrations …")
    big = build("BIG", [25] * COMPANIES)
    small = build("SML", [3 if n % 2 else 2 for n in range(COMPANIES)])

    results = {}
    for name, campaign in [("anchor: 5,000 registrations", small), ("50,000 registrations", big)]:
        mail.outbox = []
        batch, steps = pay(campaign, alice, bob)
        results[name] = (batch, steps, len(mail.outbox))

    print()
    for name, (batch, steps, emails) in results.items():
        total = sum(seconds for seconds, _ in steps.values())
        print(f"{name}: {batch.item_count} registrations, {batch.company_count} companies, "
              f"total € {batch.total_cents / 100:,.2f}, {emails} emails — {total:.1f} s in all [target < 60 s]")
        for step_name, (seconds, queries) in steps.items():
            print(f"    {step_name:22} {seconds:6.1f} s  {queries:6d} SQL statements")
    print(f"peak memory {peak_rss_mb():.0f} MB")
    anchor, big_run = (results[k][1] for k in results)
    same = all(anchor[s][1] == big_run[s][1] for s in anchor)
    print("SQL statements per step equal for 5,000 and 50,000 registrations:", "yes" if same else "NO")


if __name__ == "__main__":
    main()
