"""What the campaign team did to a campaign (the notices it sent are registrations.notifications')."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import Campaign


class CampaignEvent(models.Model):
    """One act of the campaign team on a campaign, with who did it, when and why."""

    class Kind(models.TextChoices):
        ENDED_EARLY = "ended_early", _("Ended early")
        DEADLINES_EXTENDED = "deadlines_extended", _("Document deadlines extended")
        NOTICE_SENT = "notice_sent", _("Notice sent")
        COPIED = "copied", _("Copied to a new campaign")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="events",
                                 verbose_name=_("campaign"))
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("why"), blank=True)
    # What changed: the deadlines before and after, how many registrations or companies, …
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("campaign event")
        verbose_name_plural = _("campaign events")
        ordering = ["-at", "-id"]
