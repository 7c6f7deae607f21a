from urllib.parse import urlencode

from django.db import models
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from cashback.errors import render_stored
from cashback.scoping import CompanyScopedQuerySet
from registrations.companies.models import Company
from registrations.core.choices import Reason
from registrations.core.models import Registration


class Portal(models.TextChoices):
    SUNNY_PORTAL = "sunny_portal", _("Sunny Portal")
    ENNEXOS = "ennexos", _("Sunny Portal powered by ennexOS")


class Transfer(models.TextChoices):
    """What became of a device a portal reported for a company."""

    REGISTERED = "registered", _("Registered from the portal")
    ALREADY_REGISTERED = "already_registered", _("Already registered by your company")
    PREDATES = "predates_customer_number", _("Not transferred: predates the customer number")
    FAMILY_NOT_TRANSFERRED = "family_not_transferred", _("Not transferred: product family not transferred automatically")
    UNKNOWN_PRODUCT = "unknown_product", _("Not transferred: product type unknown")
    NOT_ELIGIBLE = "not_eligible", _("Not transferred: does not meet the campaign conditions")
    INVALID = "invalid", _("Not transferred: incomplete data in the portal")


# Outcomes that never change again: the sync does not look at these devices any more.
FINAL_TRANSFERS = (Transfer.REGISTERED, Transfer.ALREADY_REGISTERED)
# In a run's counts of devices not registered by it: those registered by an earlier run.
EARLIER = "registered_earlier"


def skipped_label(key):
    """The words for a key of SyncRun.skipped."""
    if key == EARLIER:
        return _("Registered by an earlier run")
    return Transfer(key).label if key in Transfer.values else key


class PortalDevice(models.Model):
    """A device the portals report for a company, and what the sync made of it.

    One row per company and serial, whichever portals and profiles show it. The facts are
    those of the sighting that counted (FEED.md), kept so installers see why a device was
    not transferred and so an unchanged device costs no write on the next run.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="portal_devices",
                                verbose_name=_("company"), db_index=False)
    serial = models.CharField(_("serial number"), max_length=32)
    portal = models.CharField(_("portal"), max_length=20, choices=Portal.choices)
    product_code = models.CharField(_("product type"), max_length=64, blank=True)
    device_id = models.CharField(_("portal device id"), max_length=64, blank=True)
    plant_id = models.CharField(_("plant id"), max_length=64, blank=True)
    plant_name = models.CharField(_("plant"), max_length=100, blank=True)
    installed_on = models.DateField(_("installation date"), null=True, blank=True)
    postcode = models.CharField(_("installation postcode"), max_length=16, blank=True)
    country = models.CharField(_("installation country"), max_length=2, blank=True)
    data_received_at = models.DateTimeField(_("data in the portal since"), null=True, blank=True)
    number_entered_at = models.DateTimeField(_("customer number entered at"), null=True, blank=True)
    transfer = models.CharField(_("outcome"), max_length=32, choices=Transfer.choices)
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # Why the registration path refused it, as a text to translate and its facts (cashback.errors.Message).
    message_data = models.JSONField(_("message"), default=dict, blank=True)
    registration = models.ForeignKey(Registration, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("registration"), db_index=False)
    first_seen_at = models.DateTimeField(_("first seen"))
    changed_at = models.DateTimeField(_("outcome changed"))

    objects = CompanyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("device in the portals")
        verbose_name_plural = _("devices in the portals")
        constraints = [models.UniqueConstraint(fields=["company", "serial"], name="one_portal_device_per_company")]
        ordering = ["-data_received_at", "serial"]

    def __str__(self):
        return f"{self.serial} ({self.company_id})"

    @property
    def transferred(self):
        return self.transfer in FINAL_TRANSFERS

    @property
    def register_yourself(self):
        """The installer registers this one by hand (the portal cannot), on the form."""
        return self.registration_id is None and (
            self.transfer == Transfer.PREDATES
            or (self.transfer == Transfer.INVALID and self.detail in ("startUpUtc", "dataReceivedUtc",
                                                                      "customerNumberEnteredUtc"))
        )

    @property
    def register_query(self):
        """The registration form's fields that the portal knows, for a link to the form."""
        values = {"serial": self.serial, "product": self.product_code, "postcode": self.postcode,
                  "country": self.country, "installed_on": self.installed_on.isoformat() if self.installed_on else ""}
        return urlencode({name: value for name, value in values.items() if value})

    @property
    def message(self):
        """Why, in plain words, for the installer."""

        def when(moment):
            return date_format(localtime(moment), "DATETIME_FORMAT")

        if self.transfer == Transfer.PREDATES:
            return _(
                "Its data reached %(portal)s on %(data)s, before your customer number was entered on the "
                "portal profile (%(entered)s). Devices are transferred only from that moment on; you can "
                "register this one yourself."
            ) % {"portal": self.get_portal_display(), "data": when(self.data_received_at),
                 "entered": when(self.number_entered_at)}
        if self.transfer == Transfer.FAMILY_NOT_TRANSFERRED:
            return _("Devices of %(family)s are not transferred automatically.") % {"family": self.detail}
        if self.transfer == Transfer.UNKNOWN_PRODUCT:
            return _("Product type “%(code)s” is not in the campaign's catalogue.") % {"code": self.detail}
        if self.transfer == Transfer.NOT_ELIGIBLE:
            return Reason(self.reason).label if self.reason in Reason.values else ""
        if self.transfer == Transfer.INVALID:
            if self.detail == "startUpUtc":
                return _("The plant has no commissioning date in the portal; register the device yourself.")
            if self.detail in ("dataReceivedUtc", "customerNumberEnteredUtc"):
                return _("The portal's data for this device is incomplete; register the device yourself.")
            return render_stored(self.message_data, self.detail) if self.message_data else self.detail
        return ""


class SyncRun(models.Model):
    """One run of the sync: when, for whom, what it saw and did, what went wrong."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIAL = "partial", _("Finished with errors")
        FAILED = "failed", _("Failed")
        ABANDONED = "abandoned", _("Abandoned (the process stopped)")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Nightly schedule")
        MANUAL = "manual", _("By hand")

    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.RUNNING)
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    customer_number = models.CharField(_("only customer number"), max_length=32, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    companies = models.PositiveIntegerField(_("companies"), default=0)
    devices_seen = models.PositiveIntegerField(_("devices seen"), default=0)
    registered = models.PositiveIntegerField(_("registered"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged since the last run"), default=0)
    skipped = models.JSONField(_("not transferred, by reason"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="syncrun_started")]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_state_display()}"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None

    def failed_customer_numbers(self):
        return {e.get("customer_number") for e in self.errors if e.get("customer_number")}


class CompanySyncState(models.Model):
    """When the sync last reached both portals for a company, and when it last could not."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, primary_key=True,
                                   related_name="portal_sync_state", verbose_name=_("company"))
    synced_at = models.DateTimeField(_("last synchronised at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("last failed at"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("company sync state")
        verbose_name_plural = _("company sync states")


class SyncLock(models.Model):
    """A lock row that expires: one sync at a time, and a crashed one blocks only until then."""

    name = models.CharField(max_length=40, primary_key=True)
    # "<run id>@<host>:<pid>": the process that holds it, so that staff can tell a dead one.
    holder = models.CharField(max_length=120, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sync lock")
