"""The worker's part of large uploads. Names are fixed (`name=`): queued messages survive a deploy."""

from celery import shared_task

from . import services
from .models import Upload


@shared_task(name="registrations.tasks.check_upload")
def check_upload(upload_id):
    upload = Upload.objects.select_related("company", "uploaded_by").get(pk=upload_id)
    if upload.state == Upload.State.CHECKING:
        services.preview_upload(upload)


@shared_task(name="registrations.tasks.register_upload")
def register_upload(upload_id):
    upload = Upload.objects.select_related("company", "uploaded_by").get(pk=upload_id)
    if upload.state == Upload.State.IMPORTING:
        services.register_upload(upload)


@shared_task(name="registrations.tasks.expire_unconfirmed_uploads")
def expire_unconfirmed_uploads():
    """Hourly: previews nobody confirmed in time expire (with a note on the upload)."""
    return services.expire_unconfirmed()
