"""Registrations of devices and their status history."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cashback.scoping import CompanyScopedQuerySet
from devices.models import Campaign, KnownDevice, ProductModel

from ..companies.choices import Country
from ..companies.models import Company
from . import wording
from .choices import ACCEPTED_STATUSES, Reason, Source, Status, SystemJob


class RegistrationQuerySet(CompanyScopedQuerySet):
    def with_display_relations(self):
        return self.select_related("product", "campaign", "known_device__product")


class Registration(models.Model):
    # Every index costs on each of the 100,000 rows of a large upload: the foreign keys get
    # none of their own where the composite indexes below cover them or nobody looks up by them.
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("company"),
        db_index=False,
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("campaign"),
        db_index=False,
    )
    serial = models.CharField(_("serial number"), max_length=32)
    product = models.ForeignKey(
        ProductModel, on_delete=models.PROTECT, related_name="+", verbose_name=_("product type"), db_index=False
    )
    known_device = models.ForeignKey(
        KnownDevice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("matched known device"),
        db_index=False,
        # A pointer into the maker's list kept for display; not checked by the database, which
        # would cost a lookup per row of a large upload (on_delete still applies, in Django).
        db_constraint=False,
    )
    installed_on = models.DateField(_("installation date"))
    postcode = models.CharField(_("installation postcode"), max_length=10)
    country = models.CharField(_("installation country"), max_length=2, choices=Country.choices)
    reference = models.CharField(_("own reference"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    # Facts behind the reason (known model, period, ...), rendered into a message in the
    # reader's language by registrations.core.wording.
    reason_params = models.JSONField(_("reason details"), default=dict, blank=True)
    note = models.TextField(_("note from campaign staff"), blank=True)
    # Fixed when the rules find the product eligible; a later change of the campaign's
    # amounts does not change it.
    amount_cents = models.PositiveIntegerField(_("cashback (cents)"), null=True, blank=True)
    documents_due_at = models.DateTimeField(_("documents due"), null=True, blank=True)
    # Reminders already sent for the current deadline (days before it); a new deadline clears it.
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True)

    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
        db_index=False,
        db_constraint=False,  # audit pointer, as StatusChange.actor
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-created_at", "-id"]
        permissions = [("review_registration", _("Can review documents and decide"))]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "company", "serial"], name="unique_registration_per_company"
            ),
            models.UniqueConstraint(
                fields=["serial"],
                condition=models.Q(status__in=ACCEPTED_STATUSES),
                name="one_accepted_registration_per_serial",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="registration_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["serial"], name="registration_serial_idx"),
            # The overview's order, with the id that breaks the tie of rows registered at the same
            # moment (one upload): its first page reads 50 index entries, not the whole company.
            models.Index(fields=["company", "-created_at", "-id"], name="registration_company_newest"),
            # The API list's order (newest status change last, stable for polling).
            models.Index(fields=["company", "status_changed_at", "id"], name="registration_company_changed"),
            models.Index(
                fields=["documents_due_at"], condition=models.Q(status=Status.MORE_INFO), name="registration_due"
            ),
            # The review queue in its order, in all and per campaign: the desk's oldest and median
            # wait read one entry each, whatever the volume.
            models.Index(fields=["status_changed_at"], condition=models.Q(status=Status.IN_REVIEW),
                         name="registration_queue"),
            models.Index(fields=["campaign", "status_changed_at"], condition=models.Q(status=Status.IN_REVIEW),
                         name="registration_in_review"),
        ]

    def __str__(self):
        return f"{self.serial} ({self.product_id and self.product})"

    @property
    def status_label(self):
        return wording.status_label(self)

    @property
    def message(self):
        return wording.describe(self)

    @property
    def amount(self):
        return None if self.amount_cents is None else Decimal(self.amount_cents) / 100

    def accepts_documents(self, now=None):
        """Documents are taken while in review, and while more information is needed until
        the deadline (the nightly job closes it; an upload after it is refused even if the
        job has not run yet)."""
        if self.status == Status.IN_REVIEW:
            return True
        if self.status != Status.MORE_INFO:
            return False
        return self.documents_due_at is None or self.documents_due_at > (now or timezone.now())


class StatusChange(models.Model):
    """One line of a registration's history: who or what changed it, when, from, to, why."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="history", verbose_name=_("registration"),
        db_index=False,  # the (registration, created_at) index serves
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=32, choices=Reason.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
        db_index=False,
        # Who did it: kept by Django (SET_NULL when a user is deleted, which the portal never
        # does: it deactivates), not checked per row by the database.
        db_constraint=False,
    )
    job = models.CharField(_("system job"), max_length=20, choices=SystemJob.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["registration", "created_at"], name="statuschange_reg_time")]

    def __str__(self):
        """As the admin titles it: "Registration successful, not yet paid → Registered – Payment made"."""
        before = self.get_from_status_display() if self.from_status else _("new")
        return f"{before} → {self.get_to_status_display()}"

    @property
    def actor_label(self):
        """Who, as installers see it: staff are "the campaign team", not a person's email."""
        if self.job:
            return self.get_job_display()
        if self.actor_id:
            if self.actor.is_staff:
                return _("SMA campaign team")
            return self.actor.get_full_name() or self.actor.email
        return ""
