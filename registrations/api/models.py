"""API tokens: created and revoked by a company admin, shown once, stored as a hash."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cashback.scoping import CompanyScopedQuerySet

from ..companies.models import Company

PREFIX = "cbk_"


def hash_secret(secret):
    # A random 256-bit secret needs no slow hash: nobody can guess it from its SHA-256.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(CompanyScopedQuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="api_tokens",
                                verbose_name=_("company"))
    name = models.CharField(_("name"), max_length=60, help_text=_("Which software uses it, e.g. “ERP production”."))
    key_id = models.CharField(_("key id"), max_length=12, unique=True)
    digest = models.CharField(_("hash"), max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.company_id})"

    @property
    def hint(self):
        return f"{PREFIX}{self.key_id}_…"
