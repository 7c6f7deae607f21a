"""The outbox: every piece of work a change hands to the worker (an email, the check of an
upload) is a row written in the same transaction as the change. A committed change therefore
never loses its work when the broker is down or a worker dies, and a change that rolled back
never sends anything. cashback.queue hands the rows to the broker and follows them."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for the broker")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    # Also the Celery task id, so that a worker that gets the message finds its row.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING)
    # Times handed to the broker, and times a worker started it (what the retry limit counts).
    published = models.PositiveSmallIntegerField(_("handed to the broker"), default=0)
    runs = models.PositiveSmallIntegerField(_("runs"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # host:pid of the process that runs it: a run whose process is gone is provably over.
    runner = models.CharField(_("run by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="job_state_next")]

    def __str__(self):
        return f"{self.task}{tuple(self.args)}"
