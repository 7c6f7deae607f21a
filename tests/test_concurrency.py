"""Two requests for the same serial at the same moment, on PostgreSQL with real transactions."""

import threading
from datetime import date

import pytest
from django.db import connection, connections

from registrations.companies.models import User
from registrations.core.choices import Source, Status
from registrations.core.errors import DuplicateRegistration
from registrations.core.models import Registration, StatusChange
from registrations.core.registering import register_device
from registrations.payouts import bank, selectors
from registrations.payouts import services as payouts
from registrations.payouts.models import PayoutItem

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions are tested on PostgreSQL (set DATABASE_URL)")


def race(*calls):
    """Run the calls in threads released at the same instant; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # the test inspects what each side got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def registering(company, serial):
    user = company.memberships.get().user
    return lambda: register_device(
        company=company, serial=serial, product_code="STP10.0-3SE-40", installed_on=date(2026, 5, 1),
        postcode="3511 AB", country="NL", source=Source.WEB, user=user,
    )


def test_two_companies_at_once_end_with_exactly_one_accepted(company, other_company):
    for n in range(1, 21):
        serial = f"10000000{n:02d}"
        results = race(registering(company, serial), registering(other_company, serial))
        statuses = sorted(r.status for r in results)
        assert statuses == [Status.ACCEPTED, Status.MORE_INFO], (serial, results)
        assert Registration.objects.filter(serial=serial, status=Status.ACCEPTED).count() == 1


def test_the_same_company_twice_at_once_registers_once(company):
    for n in range(1, 11):
        serial = f"10000000{n:02d}"
        results = race(registering(company, serial), registering(company, serial))
        assert sum(isinstance(r, Registration) for r in results) == 1, results
        assert sum(isinstance(r, DuplicateRegistration) for r in results) == 1, results
        assert Registration.objects.filter(serial=serial).count() == 1


def test_the_same_unknown_serial_twice_at_once_registers_once(company):
    """No row to lock: the unique constraint decides, and the loser is told it is a duplicate."""
    for n in range(1, 11):
        serial = f"19999999{n:02d}"
        results = race(registering(company, serial), registering(company, serial))
        assert sum(isinstance(r, DuplicateRegistration) for r in results) == 1, results
        assert Registration.objects.filter(serial=serial).count() == 1


# Payouts -------------------------------------------------------------------------------------


def test_two_batches_created_at_the_same_moment_never_share_a_registration(company, register):
    from django.contrib.auth.models import Permission

    bank.set_bank_account(company, iban="NL91ABNA0417164300", bic="", holder="Zonnewerk", user=None)
    for n in range(1, 41):
        register(f"10000000{n:02d}")
    users = []
    for email in ("alice@example.com", "bob@example.com"):
        user = User.objects.create_user(email=email, password="x", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="manage_payouts"))
        users.append(user)
    results = race(*[lambda u=u: payouts.create_batch(selectors.Selection(), actor=u) for u in users])
    batches = [r for r in results if not isinstance(r, Exception)]
    assert batches, results
    items = PayoutItem.objects.filter(active=True)
    assert items.count() == 40
    assert items.values("registration").distinct().count() == 40
    assert sum(b.item_count for b in batches) == 40
    for batch in batches:
        assert batch.total_cents == sum(batch.items.values_list("amount_cents", flat=True))


def test_marking_paid_twice_at_once_pays_once(company, register):
    from datetime import date as day

    bank.set_bank_account(company, iban="NL91ABNA0417164300", bic="", holder="Zonnewerk", user=None)
    for n in range(1, 6):
        register(f"10000000{n:02d}")
    alice = User.objects.create_user(email="alice@example.com", password="x", is_staff=True)
    bob = User.objects.create_user(email="bob@example.com", password="x", is_staff=True)
    batch = payouts.create_batch(selectors.Selection(), actor=alice)
    payouts.approve_batch(batch, actor=bob)
    payouts.export_batch(batch, actor=alice, execution_date=day(2026, 6, 15))
    results = race(lambda: payouts.mark_paid(batch, actor=alice, executed_on=day(2026, 6, 15)),
                   lambda: payouts.mark_paid(batch, actor=bob, executed_on=day(2026, 6, 15)))
    assert sum(isinstance(r, payouts.PayoutError) for r in results) == 1, results
    assert StatusChange.objects.filter(to_status=Status.PAID).count() == 5
