"""Celery tasks: they take ids, load the objects and call a service or a notification."""

import logging
from smtplib import SMTPException

from celery import shared_task

from . import deadlines, excel_import, notifications
from .choices import Status
from .models import Invitation, Registration, StatusChange, Upload, User

log = logging.getLogger(__name__)

# A failed send is retried with growing pauses; the change that caused it is already committed.
EMAIL_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**EMAIL_RETRY)
def send_invitation_email(invitation_id):
    invitation = Invitation.objects.select_related("company", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        log.info("Invitation %s is no longer pending; not sending", invitation_id)
        return
    notifications.send_invitation(invitation)


@shared_task
def document_deadlines():
    """Nightly: expire overdue more-info registrations and send the due reminders."""
    result = deadlines.run()
    log.info("Document deadline job: %(expired)d expired, %(reminded)d reminded", result)
    return result


def _registrations(company_id, ids):
    return list(
        Registration.objects.filter(company_id=company_id, pk__in=ids)
        .select_related("company", "product", "campaign", "created_by")
        .order_by("documents_due_at", "serial")
    )


@shared_task(**EMAIL_RETRY)
def notify_documents_needed(company_id, registration_ids):
    registrations = [r for r in _registrations(company_id, registration_ids) if r.status == Status.MORE_INFO]
    if registrations:
        notifications.send_documents_needed(registrations)


@shared_task(**EMAIL_RETRY)
def notify_reminder(company_id, registration_ids, days_left):
    registrations = [r for r in _registrations(company_id, registration_ids) if r.status == Status.MORE_INFO]
    if registrations:
        notifications.send_reminder(registrations, days_left)


@shared_task(**EMAIL_RETRY)
def notify_expired(company_id, registration_ids):
    registrations = _registrations(company_id, registration_ids)
    if registrations:
        notifications.send_expired(registrations)


@shared_task(**EMAIL_RETRY)
def notify_decision(change_id):
    change = StatusChange.objects.select_related(
        "registration__company", "registration__product", "registration__campaign", "registration__created_by"
    ).get(pk=change_id)
    notifications.send_decision(change)


@shared_task(**EMAIL_RETRY)
def send_password_reset_email(user_id):
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        notifications.send_password_reset(user)


@shared_task
def check_upload(upload_id):
    upload = Upload.objects.select_related("company", "uploaded_by").get(pk=upload_id)
    if upload.state == Upload.State.CHECKING:
        excel_import.check(upload)


@shared_task
def register_upload(upload_id):
    upload = Upload.objects.select_related("company", "uploaded_by").get(pk=upload_id)
    if upload.state == Upload.State.IMPORTING:
        excel_import.register(upload)


@shared_task(**EMAIL_RETRY)
def notify_bank_details_changed(change_id):
    from .models import BankAccountChange

    change = BankAccountChange.objects.select_related("company", "changed_by").get(pk=change_id)
    notifications.send_bank_details_changed(change)


@shared_task(**EMAIL_RETRY)
def notify_payout(batch_id, company_id):
    from .models import Company, PayoutBatch

    notifications.send_payout(PayoutBatch.objects.get(pk=batch_id),
                              Company.objects.select_related("bank_account").get(pk=company_id))
