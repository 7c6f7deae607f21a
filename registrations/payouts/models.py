"""Bank details and payouts: the money side of registrations."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import Campaign

from ..companies.models import Company
from ..core.models import Registration


def mask_iban(iban):
    """NL91 **** **** **43 00: enough to recognise an account, not enough to use it."""
    if not iban:
        return ""
    compact = iban.replace(" ", "")
    masked = compact[:4] + "*" * max(0, len(compact) - 8) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


class BankAccount(models.Model):
    """Where a company's cashback goes. Entered by a company admin; every change is recorded."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="bank_account",
                                   verbose_name=_("company"))
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    holder = models.CharField(_("account holder"), max_length=70)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("updated by"), db_constraint=False)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self):
        return f"{self.holder} {self.masked_iban}"

    @property
    def masked_iban(self):
        return mask_iban(self.iban)

    @property
    def formatted_iban(self):
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))


class BankAccountChange(models.Model):
    """Who changed a company's bank details, when, from what to what (masked)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="bank_changes",
                                verbose_name=_("company"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("changed by"), db_constraint=False)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    old = models.CharField(_("before"), max_length=200, blank=True)
    new = models.CharField(_("after"), max_length=200)

    class Meta:
        verbose_name = _("bank details change")
        verbose_name_plural = _("bank details changes")
        ordering = ["-changed_at", "-id"]


class PayoutBatch(models.Model):
    """Cashback paid in one transfer file: created, approved by a second person, exported as
    SEPA, marked paid. Exported batches are locked."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for approval")
        APPROVED = "approved", _("Approved, not exported")
        EXPORTED = "exported", _("Exported to the bank")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    reference = models.CharField(_("reference"), max_length=35, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("campaign"))
    country = models.CharField(_("country"), max_length=2, blank=True)
    decided_until = models.DateField(_("decided until"), null=True, blank=True)
    total_cents = models.BigIntegerField(_("total (cents)"), default=0)
    item_count = models.PositiveIntegerField(_("registrations"), default=0)
    company_count = models.PositiveIntegerField(_("companies"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    sepa_file = models.FileField(_("SEPA file"), upload_to="payouts/", blank=True)
    summary_file = models.FileField(_("summary"), upload_to="payouts/", blank=True)
    executed_on = models.DateField(_("paid on"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        ordering = ["-created_at", "-id"]
        permissions = [("manage_payouts", _("Can create, approve, export and pay payout batches"))]
        constraints = [
            # Four eyes, in the database too: the approver is never the creator.
            models.CheckConstraint(condition=~models.Q(approved_by=models.F("created_by")),
                                   name="payout_approver_is_not_creator"),
        ]

    def __str__(self):
        return self.reference


class PayoutPayment(models.Model):
    """One transfer of a batch: a company, the sum of its items, and the account it goes to,
    fixed when the batch is created. The approver approves these accounts; the export pays
    exactly these (and refuses if the company has changed its details since)."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="payments", verbose_name=_("batch"))
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("company"))
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    holder = models.CharField(_("account holder"), max_length=70)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    count = models.PositiveIntegerField(_("registrations"))
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.UniqueConstraint(fields=["batch", "company"], name="one_payment_per_company_and_batch")]
        ordering = ["id"]

    @property
    def masked_iban(self):
        return mask_iban(self.iban)


class PayoutItem(models.Model):
    """One registration in a batch, with the amount decided for it."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="items", verbose_name=_("batch"),
                              db_index=False)
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT,
                                     related_name="payout_items", verbose_name=_("registration"), db_index=False)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("company"), db_index=False)
    serial = models.CharField(_("serial number"), max_length=32)
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    # False once its batch is cancelled: the registration is free for another batch.
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("payout item")
        verbose_name_plural = _("payout items")
        constraints = [
            models.UniqueConstraint(fields=["registration"], condition=models.Q(active=True),
                                    name="one_live_payout_per_registration"),
            models.UniqueConstraint(fields=["serial"], condition=models.Q(active=True),
                                    name="one_live_payout_per_serial"),
        ]
        indexes = [
            models.Index(fields=["batch", "company"], name="payoutitem_batch_company"),
            models.Index(fields=["company", "batch"], name="payoutitem_company_batch"),
        ]


class PayoutBatchChange(models.Model):
    """The batch's history: who moved it from which state to which, when."""

    batch = models.ForeignKey(PayoutBatch, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(max_length=10, choices=PayoutBatch.State.choices, blank=True)
    to_state = models.CharField(max_length=10, choices=PayoutBatch.State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    # The day the step was for: the execution date of an export, the day the bank paid.
    day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
