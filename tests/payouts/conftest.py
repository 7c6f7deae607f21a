import pytest

from registrations.payouts import bank
from tests.payouts.helpers import finance_user


@pytest.fixture
def alice(db):
    return finance_user("alice@example.com")


@pytest.fixture
def bob(db):
    return finance_user("bob@example.com")


@pytest.fixture
def with_bank(company, installer):
    bank.set_bank_account(company, iban="NL91 ABNA 0417 1643 00", bic="ABNANL2A", holder="Zonnewerk B.V.", user=installer)
    company.refresh_from_db()
    return company


@pytest.fixture
def accepted(register, with_bank):
    """Three accepted registrations of Zonnewerk (€200 each)."""
    return [register(f"100000000{n}") for n in range(1, 4)]
