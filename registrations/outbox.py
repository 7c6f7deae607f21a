"""Emails that follow status changes, queued for the worker once the change is committed.

The services call these inside their transaction; nothing is sent if it rolls back, and a
failed send (retried by the task) never undoes the change. Queuing is `robust`: a broker that
cannot be reached right after the commit is logged, and does not turn a decision that was
saved into an error page.
"""

from collections import defaultdict

from django.db import transaction


def documents_needed(registrations):
    """Registrations that just entered "more information needed": one email per company."""
    from .tasks import notify_documents_needed

    for company_id, ids in _by_company(registrations).items():
        # A lambda, not functools.partial: Django names the callback (__qualname__) when it fails.
        transaction.on_commit(lambda c=company_id, i=ids: notify_documents_needed.delay(c, i), robust=True)


def decided(change):
    """Approved or rejected by campaign staff: the email tells this decision (its StatusChange),
    even if the registration changed again before the worker got to it."""
    from .tasks import notify_decision

    transaction.on_commit(lambda pk=change.pk: notify_decision.delay(pk), robust=True)


def _by_company(registrations):
    grouped = defaultdict(list)
    for company_id, pk in registrations:
        grouped[company_id].append(pk)
    return grouped
