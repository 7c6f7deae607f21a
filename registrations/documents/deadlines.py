"""The nightly document-deadline job: expire what is overdue, remind what is due soon.

Both halves are idempotent: an expired registration is no longer waiting, and a reminder is
marked as sent for its deadline, so a second run changes and sends nothing. The emails are
queued inside the transaction of the change they announce: when the queue cannot be reached
the change is rolled back and the next run does it again (at least once, never silently lost).
"""

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from devices.models import Campaign

from ..core.choices import Status
from ..core.errors import InvalidTransition
from ..core.models import Registration
from ..core.wording import documents_due_day
from . import services, signals


def run(now=None):
    now = now or timezone.now()
    return {"expired": expire(now), "reminded": remind(now)}


def expire(now):
    """More-info registrations past their deadline become not registrable (deadline expired).

    Per company, in one transaction that also queues the company's email: if the queue is
    unreachable nothing is expired and the next run tries again, so no expiry goes unannounced.
    Each row is re-checked under its lock, so an upload that lands while the job runs wins.
    """
    overdue = defaultdict(list)
    for pk, company_id in Registration.objects.filter(
        status=Status.MORE_INFO, documents_due_at__lte=now
    ).values_list("pk", "company_id"):
        overdue[company_id].append(pk)
    count = 0
    for company_id, ids in overdue.items():
        with transaction.atomic():
            expired = []
            for pk in ids:
                try:
                    services.expire_document_deadline(Registration(pk=pk), now=now)
                except InvalidTransition:
                    continue
                expired.append(pk)
            if expired:
                # Last: a receiver that cannot queue the email rolls the company's expiries back.
                signals.deadline_expired.send(sender=Registration, company_id=company_id, registration_ids=expired)
        count += len(expired)
    return count


def remind(now):
    """One reminder per registration and reminder day (campaign settings, e.g. 7 and 2 days
    before the deadline), gathered into one email per company and day.

    A reminder is marked as sent with a compare-and-set (two runs at once cannot both send
    it) in the transaction that queues the email (a failure to queue leaves it unmarked).
    """
    today = timezone.localdate(now)
    longest = max((d for c in Campaign.objects.all() for d in c.reminder_days), default=0)
    soon = Registration.objects.filter(
        status=Status.MORE_INFO, documents_due_at__gt=now, documents_due_at__lte=now + timedelta(days=longest + 1),
    ).select_related("campaign")
    due_by_company = defaultdict(list)
    for registration in soon:
        days_left = (documents_due_day(registration) - today).days
        due = [d for d in registration.campaign.reminder_days if days_left <= d and d not in registration.reminders_sent]
        if due:
            due_by_company[(registration.company_id, days_left)].append((registration, due))
    count = 0
    for (company_id, days_left), items in due_by_company.items():
        with transaction.atomic():
            ids = []
            for registration, due in items:
                sent = sorted(set(registration.reminders_sent) | set(due), reverse=True)
                if Registration.objects.filter(
                    pk=registration.pk, status=Status.MORE_INFO, reminders_sent=registration.reminders_sent
                ).update(reminders_sent=sent):
                    ids.append(registration.pk)
            if ids:
                # Last: a receiver that cannot queue the email rolls the marks back.
                signals.reminders_due.send(sender=Registration, company_id=company_id, registration_ids=ids,
                                           days_left=days_left)
        count += len(ids)
    return count
