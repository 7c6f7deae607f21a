"""The worker's part of large uploads: jobs of the outbox (cashback.queue), which run each
upload's check or registration once, again after a worker that died, and give up with a
message on the upload after `max_runs`. Names are fixed (`name=`): queued messages survive a
deploy."""

from celery import shared_task

from cashback.queue import OutboxTask

from . import services
from .models import Upload


class UploadJob(OutboxTask):
    max_runs = 3  # a file that kills its worker three times (out of memory) is not tried a fourth

    def gave_up(self, upload_id):
        services.give_up(upload_id)


@shared_task(name=services.CHECK_UPLOAD, base=UploadJob)
def check_upload(upload_id):
    upload = Upload.objects.select_related("company", "uploaded_by").get(pk=upload_id)
    if upload.state == Upload.State.CHECKING:
        services.preview_upload(upload)


@shared_task(name=services.REGISTER_UPLOAD, base=UploadJob)
def register_upload(upload_id):
    upload = Upload.objects.select_related("company", "uploaded_by").get(pk=upload_id)
    if upload.state == Upload.State.IMPORTING:
        services.register_upload(upload)


@shared_task(name="registrations.tasks.expire_unconfirmed_uploads")
def expire_unconfirmed_uploads():
    """Hourly: previews nobody confirmed in time expire (with a note on the upload), and uploads
    left busy by a web process that died fail with a way to try again."""
    return {"expired": services.expire_unconfirmed(), "abandoned": services.fail_abandoned()}
