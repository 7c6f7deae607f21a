import hashlib
import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cashback.formatting import format_money

_WHITESPACE = re.compile(r"\s+")


class ProductFamily(models.Model):
    """A product line such as Sunny Tripower Smart Energy; serial rules differ per family."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    serial_length = models.PositiveSmallIntegerField(
        _("serial number length"),
        default=10,
        validators=[MinValueValidator(4), MaxValueValidator(32)],
        help_text=_("Number of digits in a serial number of this family."),
    )
    transferred_from_portal = models.BooleanField(
        _("transferred from the monitoring portals"),
        default=False,
        help_text=_("Devices of this family are registered automatically by the daily Sunny Portal sync."),
    )

    class Meta:
        verbose_name = _("product family")
        verbose_name_plural = _("product families")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProductModel(models.Model):
    """A type designation as printed on the type label, e.g. STP10.0-3SE-40."""

    code = models.CharField(_("type designation"), max_length=40, unique=True)
    family = models.ForeignKey(
        ProductFamily, on_delete=models.PROTECT, related_name="products", verbose_name=_("family")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("product type")
        verbose_name_plural = _("product types")
        ordering = ["code"]

    def __str__(self):
        return self.code

    @staticmethod
    def lookup_key(code):
        """Type designations compare without case and spaces: 'stp 110-60' is 'STP 110-60'."""
        return _WHITESPACE.sub("", str(code or "")).upper()

    @classmethod
    def by_lookup_key(cls):
        return {cls.lookup_key(p.code): p for p in cls.objects.select_related("family")}


class KnownDevice(models.Model):
    """One line of the maker's serial-number list: this serial exists and is this model."""

    serial = models.CharField(_("serial number"), max_length=32, unique=True)
    product = models.ForeignKey(
        ProductModel, on_delete=models.PROTECT, related_name="+", verbose_name=_("product type")
    )
    produced_on = models.DateField(_("produced on"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("known device")
        verbose_name_plural = _("known devices (maker's serial list)")

    def __str__(self):
        return f"{self.serial} ({self.product_id and self.product})"


class CampaignQuerySet(models.QuerySet):
    def open_for_enrolment(self, today=None):
        today = today or timezone.localdate()
        return self.filter(is_active=True, registration_deadline__gte=today).order_by(
            "-installation_starts_on"
        )


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), unique=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive campaigns are hidden from installers (e.g. while being prepared)."),
    )
    installation_starts_on = models.DateField(_("installations from"))
    installation_ends_on = models.DateField(_("installations until"))
    registration_deadline = models.DateField(
        _("registration deadline"), help_text=_("Last day on which devices can be registered.")
    )
    document_deadline_days = models.PositiveSmallIntegerField(
        _("days to upload documents"), default=14
    )
    first_reminder_days = models.PositiveSmallIntegerField(
        _("first reminder (days before the deadline)"), null=True, blank=True, default=7,
        help_text=_("Empty: no reminder."),
    )
    second_reminder_days = models.PositiveSmallIntegerField(
        _("second reminder (days before the deadline)"), null=True, blank=True, default=2,
        help_text=_("Empty: no reminder."),
    )
    audit_sample_percent = models.DecimalField(
        _("audit sample (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Share of otherwise accepted registrations that are asked for documents."),
    )
    volume_check_threshold = models.PositiveIntegerField(
        _("volume check threshold"),
        null=True,
        blank=True,
        help_text=_(
            "Ask for documents once a company has registered this many devices within the "
            "volume window. Empty: no volume check."
        ),
    )
    volume_check_window_days = models.PositiveSmallIntegerField(
        _("volume window (days)"), default=30
    )
    # What the campaign may pay out in all and to one company. A registration that would go
    # over is not registrable; rejected and expired ones give their amount back.
    budget_cents = models.PositiveBigIntegerField(
        _("total budget (cents)"), null=True, blank=True,
        help_text=_("The cashback the campaign may commit in all, in euro cents (€ 100,000 is 10000000). "
                    "Empty: no budget."),
    )
    company_cap_devices = models.PositiveIntegerField(
        _("devices per company"), null=True, blank=True,
        help_text=_("The most devices one company can claim cashback for. Empty: no limit."),
    )
    company_cap_cents = models.PositiveBigIntegerField(
        _("cashback per company (cents)"), null=True, blank=True,
        help_text=_("The most cashback one company can claim, in euro cents. Empty: no limit."),
    )
    # The share of the budget the campaign team was last told about (0, 90 or 100): each
    # warning is sent once.
    budget_warned_percent = models.PositiveSmallIntegerField(_("budget warning sent at (%)"), default=0)
    # Set when the campaign team ended the campaign before its deadline (the new deadline is
    # registration_deadline): installers see a banner from that moment.
    ended_early_at = models.DateTimeField(_("ended early at"), null=True, blank=True)
    # The terms each company accepts, in the three languages of the portal; Dutch is the text
    # shown when a language has none.
    terms = models.TextField(_("campaign terms (Dutch)"), blank=True)
    terms_fr = models.TextField(_("campaign terms (French)"), blank=True)
    terms_en = models.TextField(_("campaign terms (English)"), blank=True)
    products = models.ManyToManyField(
        ProductModel, through="CampaignProduct", related_name="campaigns", verbose_name=_("products")
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-installation_starts_on"]

    def __str__(self):
        return self.name

    def terms_in(self, language):
        """The terms in `language` (nl, fr, en), else the Dutch ones."""
        return {"fr": self.terms_fr, "en": self.terms_en}.get(language) or self.terms

    def clean(self):
        if self.installation_starts_on and self.installation_ends_on:
            if self.installation_ends_on < self.installation_starts_on:
                raise ValidationError(
                    {"installation_ends_on": _("The period cannot end before it starts.")}
                )
            if self.registration_deadline and self.registration_deadline < self.installation_starts_on:
                raise ValidationError(
                    {"registration_deadline": _("The deadline cannot be before the period starts.")}
                )

    # The eligibility rules about the campaign itself; the status decision that combines
    # them with the serial list and other claims is registrations.core.rules.decide().

    def installed_in_period(self, installed_on):
        return self.installation_starts_on <= installed_on <= self.installation_ends_on

    def registration_open_on(self, day):
        return day <= self.registration_deadline

    def audit_selects(self, serial):
        """Whether the audit sample picks this serial.

        A hash rather than a random draw: the same serial always gets the same answer, so
        re-checking a file or re-running a sync never flips an outcome.
        """
        if not self.audit_sample_percent:
            return False
        digest = hashlib.sha256(f"{self.slug}:{serial}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") % 10000
        return draw < int(self.audit_sample_percent * 100)

    @property
    def reminder_days(self):
        """Days before the deadline at which a reminder goes out, largest first."""
        return sorted({d for d in (self.first_reminder_days, self.second_reminder_days) if d}, reverse=True)

    LIMITS = ("budget_cents", "company_cap_devices", "company_cap_cents")

    @property
    def has_limits(self):
        return any(getattr(self, name) is not None for name in self.LIMITS)

    def volume_window_start(self, now=None):
        return (now or timezone.now()) - timedelta(days=self.volume_check_window_days)


class CampaignProduct(models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="campaign_products", verbose_name=_("campaign")
    )
    product = models.ForeignKey(
        ProductModel, on_delete=models.PROTECT, related_name="+", verbose_name=_("product type")
    )
    amount_cents = models.PositiveIntegerField(
        _("cashback (cents)"), help_text=_("Cashback per device in euro cents, e.g. 15000 for €150.")
    )
    requires_documents = models.BooleanField(
        _("always check documents"),
        default=False,
        help_text=_("Every registration of this product is asked for an invoice or protocol."),
    )

    class Meta:
        verbose_name = _("eligible product")
        verbose_name_plural = _("eligible products")
        ordering = ["product__code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "product"], name="unique_campaign_product")
        ]

    def __str__(self):
        return f"{self.product} – {format_money(self.amount_cents)}"
