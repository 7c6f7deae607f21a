"""The emails, sent by the worker: each task takes ids, loads the objects and sends one email.

Each is a job of the outbox (cashback.queue.OutboxTask): a failed send is retried with growing
pauses, up to eight runs, and an email sent is never sent again for the same job. Names are
fixed (`name=`), so messages queued before a deploy are still understood after it.
"""

import logging

from celery import shared_task

from cashback.queue import OutboxTask
from devices.models import Campaign

from ..companies.models import Company, Invitation, User
from ..core.choices import Status
from ..core.models import Registration, StatusChange
from ..payouts.models import BankAccountChange, PayoutBatch
from . import emails
from .models import Notice

log = logging.getLogger(__name__)


class EmailJob(OutboxTask):
    max_runs = 8  # about two hours of pauses: an SMTP server that is down for a while


@shared_task(name="registrations.tasks.send_invitation_email", base=EmailJob)
def send_invitation_email(invitation_id):
    invitation = Invitation.objects.select_related("company", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        log.info("Invitation %s is no longer pending; not sending", invitation_id)
        return
    emails.send_invitation(invitation)


@shared_task(name="registrations.tasks.send_password_reset_email", base=EmailJob)
def send_password_reset_email(user_id):
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        emails.send_password_reset(user)


def _registrations(company_id, ids):
    return list(
        Registration.objects.filter(company_id=company_id, pk__in=ids)
        .select_related("company", "product", "campaign", "created_by")
        .order_by("documents_due_at", "serial")
    )


def _waiting_for_documents(company_id, ids):
    """Those of the registrations still waiting for documents: one reviewed meanwhile needs no email."""
    return [r for r in _registrations(company_id, ids) if r.status == Status.MORE_INFO]


@shared_task(name="registrations.tasks.notify_documents_needed", base=EmailJob)
def notify_documents_needed(company_id, registration_ids):
    registrations = _waiting_for_documents(company_id, registration_ids)
    if registrations:
        emails.send_documents_needed(registrations)


@shared_task(name="registrations.tasks.notify_reminder", base=EmailJob)
def notify_reminder(company_id, registration_ids, days_left):
    registrations = _waiting_for_documents(company_id, registration_ids)
    if registrations:
        emails.send_reminder(registrations, days_left)


@shared_task(name="registrations.tasks.notify_expired", base=EmailJob)
def notify_expired(company_id, registration_ids):
    registrations = _registrations(company_id, registration_ids)
    if registrations:
        emails.send_expired(registrations)


@shared_task(name="registrations.tasks.notify_decision", base=EmailJob)
def notify_decision(change_id):
    change = StatusChange.objects.select_related(
        "registration__company", "registration__product", "registration__campaign", "registration__created_by"
    ).get(pk=change_id)
    emails.send_decision(change)


@shared_task(name="registrations.tasks.notify_bank_details_changed", base=EmailJob)
def notify_bank_details_changed(change_id):
    change = BankAccountChange.objects.select_related("company", "changed_by").get(pk=change_id)
    emails.send_bank_details_changed(change)


@shared_task(name="registrations.tasks.notify_payout", base=EmailJob)
def notify_payout(batch_id, company_id):
    emails.send_payout(PayoutBatch.objects.get(pk=batch_id),
                       Company.objects.select_related("bank_account").get(pk=company_id))


@shared_task(name="registrations.tasks.notify_deadline_extended", base=EmailJob)
def notify_deadline_extended(company_id, registration_ids):
    registrations = _waiting_for_documents(company_id, registration_ids)
    if registrations:
        emails.send_deadline_extended(registrations)


@shared_task(name="registrations.tasks.notify_budget_used", base=EmailJob)
def notify_budget_used(campaign_id, percent):
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is not None:
        emails.send_budget_used(campaign, percent)


@shared_task(name="registrations.tasks.notify_campaign_ended", base=EmailJob)
def notify_campaign_ended(campaign_id, company_id):
    campaign, company = Campaign.objects.filter(pk=campaign_id).first(), Company.objects.filter(pk=company_id).first()
    if campaign is not None and company is not None:
        emails.send_campaign_ended(campaign, company)


@shared_task(name="registrations.tasks.notify_notice", base=EmailJob)
def notify_notice(notice_id, company_id):
    notice = Notice.objects.filter(pk=notice_id).select_related("campaign").first()
    company = Company.objects.filter(pk=company_id).first()
    if notice is not None and company is not None:
        emails.send_notice(notice, company)


# Every email the portal sends, by task name: the desk counts those not yet sent.
EMAIL_TASKS = [
    task.name for task in (
        send_invitation_email, send_password_reset_email, notify_documents_needed, notify_reminder, notify_expired,
        notify_decision, notify_bank_details_changed, notify_payout, notify_budget_used,
        notify_deadline_extended, notify_campaign_ended, notify_notice,
    )
]
