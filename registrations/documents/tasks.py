"""The nightly document-deadline job. The name is fixed (`name=`): the beat schedule uses it."""

import logging

from celery import shared_task

from . import deadlines

log = logging.getLogger(__name__)


@shared_task(name="registrations.tasks.document_deadlines")
def document_deadlines():
    """Nightly: expire overdue more-info registrations and send the due reminders."""
    result = deadlines.run()
    log.info("Document deadline job: %(expired)d expired, %(reminded)d reminded", result)
    return result
