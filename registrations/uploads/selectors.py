"""Reads of uploads: a company's uploads, where a busy one stands, what its file holds."""

import logging

from django.conf import settings
from django.core.cache import cache

from cashback.spreadsheets import count_rows

from .models import Upload
from .reading import local_path

log = logging.getLogger(__name__)


def uploads_of(company):
    return Upload.objects.for_company(company).select_related("uploaded_by")


def earlier_upload_of_same_file(upload):
    return (
        Upload.objects.filter(company=upload.company, sha256=upload.sha256, state=Upload.State.IMPORTED)
        .exclude(pk=upload.pk)
        .first()
    )


def needs_worker(upload):
    """More rows than the web request should check or register: the worker does it."""
    with local_path(upload) as path:
        limit = settings.UPLOAD_SYNC_MAX_ROWS
        return count_rows(path, upload.file_format, stop_after=limit) > limit


def progress_of(upload):
    """{"phase", "done", "total"} while the worker is busy with the upload; "waiting" while its
    job has not started (the worker is busy, or the broker is down)."""
    try:
        progress = cache.get(progress_key(upload.pk))
    except Exception as error:  # noqa: BLE001 - without the cache the page shows no figures
        log.warning("Upload progress not read: %s", error)
        progress = None
    return progress or {"phase": upload.state, "done": 0, "total": upload.rows, "waiting": True}


def progress_key(pk):
    """Where the worker reports its progress: the cache, since its transaction is still open."""
    return f"upload-progress:{pk}"
