"""Celery tasks: they take ids, load the objects and call a service or a notification."""

import logging
from smtplib import SMTPException

from celery import shared_task

from . import excel_import, notifications, services
from .models import Invitation, Upload, User

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
def expire_document_deadlines():
    expired = services.expire_overdue_registrations()
    log.info("Document deadline job: %d registration(s) expired", expired)
    return expired


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
