"""Which email follows which change: the packages announce their changes (their `signals`
modules), and this queues the email for the worker (registrations.notifications.tasks).

Connected once, by the app's ready(). Every email is queued through cashback.queue.enqueue:
a row of the outbox written in the change's own transaction, so nothing is sent for a change
that rolled back and nothing is lost for one that committed, broker down or not.
"""

from collections import defaultdict

from django.dispatch import receiver

from cashback.queue import enqueue

from ..companies import signals as companies
from ..core import signals as core
from ..documents import signals as documents
from ..payouts import signals as payouts
from . import tasks


@receiver(companies.colleague_invited)
def invitation(sender, invitation, **kwargs):
    enqueue(tasks.send_invitation_email, invitation.pk)


@receiver(companies.password_reset_requested)
def password_reset(sender, user, **kwargs):
    enqueue(tasks.send_password_reset_email, user.pk)


@receiver(core.documents_needed)
def documents_needed(sender, registrations, **kwargs):
    """One email per company and event, whatever the number of its devices."""
    by_company = defaultdict(list)
    for company_id, pk in registrations:
        by_company[company_id].append(pk)
    for company_id, ids in by_company.items():
        enqueue(tasks.notify_documents_needed, company_id, ids)


@receiver(core.budget_used)
def budget_used(sender, campaign_id, percent, **kwargs):
    enqueue(tasks.notify_budget_used, campaign_id, percent)


@receiver(documents.decided)
def decided(sender, change, **kwargs):
    """The email tells this decision (its history row), even if the registration changed again
    before the worker got to it."""
    enqueue(tasks.notify_decision, change.pk)


@receiver(documents.deadline_expired)
def deadline_expired(sender, company_id, registration_ids, **kwargs):
    enqueue(tasks.notify_expired, company_id, registration_ids)


@receiver(documents.deadline_extended)
def deadline_extended(sender, company_id, registration_ids, note, **kwargs):
    enqueue(tasks.notify_deadline_extended, company_id, registration_ids)


@receiver(documents.reminders_due)
def reminders_due(sender, company_id, registration_ids, days_left, **kwargs):
    enqueue(tasks.notify_reminder, company_id, registration_ids, days_left)


@receiver(payouts.bank_details_changed)
def bank_details_changed(sender, change, **kwargs):
    enqueue(tasks.notify_bank_details_changed, change.pk)


@receiver(payouts.batch_paid)
def batch_paid(sender, batch, company_ids, **kwargs):
    # One queued email per company: a broker hiccup costs one email, not all that follow.
    for company_id in company_ids:
        enqueue(tasks.notify_payout, batch.pk, company_id)
