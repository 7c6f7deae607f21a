"""The messages of the campaign team to the companies (the other emails follow from changes
and need no record of their own)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import Campaign


class Notice(models.Model):
    """A message of the campaign team to every enrolled company, in the three languages."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="notices",
                                 verbose_name=_("campaign"))
    subject_nl = models.CharField(_("subject (Dutch)"), max_length=150)
    text_nl = models.TextField(_("text (Dutch)"))
    subject_fr = models.CharField(_("subject (French)"), max_length=150)
    text_fr = models.TextField(_("text (French)"))
    subject_en = models.CharField(_("subject (English)"), max_length=150)
    text_en = models.TextField(_("text (English)"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("sent by"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    companies = models.PositiveIntegerField(_("companies"), default=0)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return self.subject_nl

    def in_language(self, language):
        """(subject, text) in `language`, Dutch for any other."""
        if language in ("fr", "en"):
            return getattr(self, f"subject_{language}"), getattr(self, f"text_{language}")
        return self.subject_nl, self.text_nl
