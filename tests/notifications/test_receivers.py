"""Every change that a package announces has its email: the receivers are connected."""

import pytest

from registrations.companies import signals as companies
from registrations.core import signals as core
from registrations.documents import signals as documents
from registrations.payouts import signals as payouts


@pytest.mark.parametrize("signal", [
    companies.colleague_invited, companies.password_reset_requested, core.documents_needed, documents.decided,
    documents.deadline_expired, documents.reminders_due, payouts.bank_details_changed, payouts.batch_paid,
])
def test_every_announced_change_has_a_receiver(signal):
    # The deadline job relies on it: with no receiver, an expiry would be committed unannounced.
    assert signal.has_listeners()
