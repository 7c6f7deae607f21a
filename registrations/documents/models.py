"""Documents installers upload as proof for a registration."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..core.models import Registration


def document_path(document, filename):
    """A random name: what the installer called the file is kept on the row, never in a path."""
    return f"documents/{document.registration.company_id}/{uuid.uuid4().hex}.{document.extension}"


class DocumentQuerySet(models.QuerySet):
    def for_company(self, company):
        """Documents of the company's registrations: scoped like Registration.objects.for_company."""
        return self.filter(registration__in=Registration.objects.for_company(company))


class Document(models.Model):
    """An invoice or commissioning protocol uploaded as proof for a registration."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        PROTOCOL = "commissioning_protocol", _("Commissioning protocol")
        OTHER = "other", _("Other proof of installation")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="documents", verbose_name=_("registration")
    )
    kind = models.CharField(_("document type"), max_length=24, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name

    @property
    def extension(self):
        return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[self.content_type]

    @property
    def is_image(self):
        return self.content_type.startswith("image/")

    @property
    def download_name(self):
        """The installer's name for the file with the extension of what it proved to be: a
        PDF called "factuur.hta" is saved as "factuur.pdf", never run as something else."""
        stem = PurePath(self.original_name.replace("\\", "/")).stem.strip(" .")[:100] or "document"
        return f"{stem}.{self.extension}"
