"""An uploaded file of devices and what became of it."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cashback.errors import render_stored
from cashback.scoping import CompanyScopedQuerySet

from ..companies.models import Company


def upload_path(upload, filename):
    """Stored under a random name: the original name is kept on the row, never in a path."""
    suffix = Path(filename).suffix.lower()[:8]
    return f"uploads/{upload.company_id}/{uuid.uuid4().hex}{suffix}"


def result_path(upload, filename):
    return f"uploads/{upload.company_id}/{uuid.uuid4().hex}-result.xlsx"


def rows_path(upload, filename):
    return f"uploads/{upload.company_id}/{uuid.uuid4().hex}-rows.json.gz"


class Upload(models.Model):
    """A file of devices (the Excel template, or any sheet or CSV): kept as evidence, checked,
    shown as a preview, and registered when the installer confirms."""

    class State(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked, waiting for confirmation")
        IMPORTING = "importing", _("Being registered")
        IMPORTED = "imported", _("Registered")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Not confirmed in time")
        FAILED = "failed", _("Failed")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="uploads", verbose_name=_("company"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("uploaded by"),
    )
    on_behalf = models.BooleanField(
        _("imported by campaign staff"), default=False,
        help_text=_("Imported with the import_registrations command on the company's behalf."),
    )
    file = models.FileField(_("file"), upload_to=upload_path)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    file_format = models.CharField(_("format"), max_length=8, blank=True)
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.CHECKING)
    error = models.TextField(_("why it was refused or failed"), blank=True)
    # The same as a text to translate and its facts (cashback.errors.Message): each reader's language.
    error_data = models.JSONField(_("why, to translate"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # Outcome kind -> number of rows, at the check (preview) and after registering.
    check_counts = models.JSONField(_("preview"), default=dict, blank=True)
    result_counts = models.JSONField(_("result"), default=dict, blank=True)
    # The rows that would not simply be registered, for the preview page (capped).
    problems = models.JSONField(_("rows with a problem"), default=list, blank=True)
    result_file = models.FileField(_("result workbook"), upload_to=result_path, blank=True)
    # The rows as the check read them (registrations.uploads.reading.dump_sheet): confirming decides
    # them again without parsing the file a second time. Removed once the upload is finished.
    rows_file = models.FileField(_("rows as read"), upload_to=rows_path, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    imported_at = models.DateTimeField(_("registered at"), null=True, blank=True)

    objects = CompanyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["company", "-created_at"], name="upload_company_created")]

    def __str__(self):
        return self.original_name

    @property
    def busy(self):
        return self.state in (self.State.CHECKING, self.State.IMPORTING)

    @property
    def error_message(self):
        """Why it was refused or failed, in the reader's language."""
        return render_stored(self.error_data, self.error) if self.error_data else self.error
