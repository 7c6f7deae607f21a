"""The nightly document-deadline job: expire what is overdue, remind what is due soon.

Both halves are idempotent: an expired registration is no longer waiting, and a reminder is
marked as sent for its deadline before it is queued, so a second run changes and sends nothing.
"""

from collections import defaultdict
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from . import services
from .choices import Status
from .errors import InvalidTransition
from .models import Registration
from .wording import documents_due_day


def run(now=None):
    now = now or timezone.now()
    return {"expired": expire(now), "reminded": remind(now)}


def expire(now):
    """More-info registrations past their deadline become not registrable (deadline expired).

    Each in its own transaction, re-checked under a row lock, so an upload that lands while
    the job runs wins.
    """
    from .tasks import notify_expired

    overdue = Registration.objects.filter(status=Status.MORE_INFO, documents_due_at__lte=now)
    expired = defaultdict(list)
    for pk, company_id in list(overdue.values_list("pk", "company_id")):
        try:
            services.expire_document_deadline(Registration(pk=pk), now=now)
        except InvalidTransition:
            continue
        expired[company_id].append(pk)
    for company_id, ids in expired.items():
        transaction.on_commit(partial(notify_expired.delay, company_id, ids))
    return sum(len(ids) for ids in expired.values())


def remind(now):
    """One reminder per registration and reminder day (campaign settings, e.g. 7 and 2 days
    before the deadline), gathered into one email per company and day."""
    from .tasks import notify_reminder

    today = timezone.localdate(now)
    soon = Registration.objects.filter(
        status=Status.MORE_INFO, documents_due_at__gt=now,
        documents_due_at__lte=now + timedelta(days=_longest_reminder() + 1),
    ).select_related("campaign")
    batches = defaultdict(list)
    for registration in soon:
        days_left = (documents_due_day(registration) - today).days
        due = [d for d in registration.campaign.reminder_days if days_left <= d and d not in registration.reminders_sent]
        if not due:
            continue
        # Marked before it is queued: each reminder goes out once even if the job runs twice.
        sent = sorted(set(registration.reminders_sent) | set(due), reverse=True)
        if Registration.objects.filter(pk=registration.pk, status=Status.MORE_INFO).update(reminders_sent=sent):
            batches[(registration.company_id, days_left)].append(registration.pk)
    for (company_id, days_left), ids in batches.items():
        transaction.on_commit(partial(notify_reminder.delay, company_id, ids, days_left))
    return sum(len(ids) for ids in batches.values())


def _longest_reminder():
    from devices.models import Campaign

    days = [d for c in Campaign.objects.filter(is_active=True) for d in c.reminder_days]
    return max(days, default=0)
