import uuid
from decimal import Decimal
from pathlib import Path, PurePath

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core import signing
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import Campaign, KnownDevice, ProductModel

from cashback.scoping import CompanyScopedQuerySet

from .choices import ACCEPTED_STATUSES, Country, Reason, Role, Source, Status, SystemJob


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A person who logs in: an installer (through a Membership) or campaign staff."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def company(self):
        membership = getattr(self, "membership", None)
        return membership.company if membership else None


class Company(models.Model):
    name = models.CharField(_("company name"), max_length=200)
    customer_number = models.CharField(
        _("SMA customer number"),
        max_length=20,
        unique=True,
        help_text=_("Also entered in the Sunny Portal user profiles for automatic registration."),
    )
    vat_number = models.CharField(_("VAT number"), max_length=20)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    street = models.CharField(_("street and number"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    contact_email = models.EmailField(
        _("contact email"), help_text=_("Status messages and payout notices go here.")
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("installer company")
        verbose_name_plural = _("installer companies")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.customer_number})"

    def is_enrolled_in(self, campaign):
        return self.enrolments.filter(campaign=campaign).exists()


class Membership(models.Model):
    """Links a user to the one company they work for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership", verbose_name=_("user")
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("company")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("member since"), default=timezone.now)

    class Meta:
        verbose_name = _("company user")
        verbose_name_plural = _("company users")

    def __str__(self):
        return f"{self.user} @ {self.company.name}"

    @property
    def is_admin(self):
        return self.role == Role.ADMIN


class Enrolment(models.Model):
    """The company's participation in a campaign, with its acceptance of the terms."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("company")
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("campaign")
    )
    terms_accepted_at = models.DateTimeField(_("terms accepted at"), default=timezone.now)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["company", "campaign"], name="unique_enrolment")
        ]

    def __str__(self):
        return f"{self.company.name} – {self.campaign}"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("company")
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.company.name}"

    # The emailed link carries the invitation's id signed with SECRET_KEY (and a timestamp):
    # nothing secret is stored, and the email task needs only the id.
    _SALT = "registrations.invitation"

    @property
    def token(self):
        return signing.dumps(self.pk, salt=self._SALT)

    @classmethod
    def pk_from_token(cls, token, max_age):
        try:
            return signing.loads(token, salt=cls._SALT, max_age=max_age)
        except signing.BadSignature:
            return None

    @property
    def is_pending(self):
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


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
    # reader's language by registrations.wording.
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
            models.Index(fields=["company", "-created_at"], name="registration_company_created"),
            models.Index(
                fields=["documents_due_at"], condition=models.Q(status=Status.MORE_INFO), name="registration_due"
            ),
        ]

    def __str__(self):
        return f"{self.serial} ({self.product_id and self.product})"

    @property
    def status_label(self):
        from .wording import status_label

        return status_label(self)

    @property
    def message(self):
        from .wording import describe

        return describe(self)

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
        return f"{self.from_status or '∅'} → {self.to_status}"

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


def upload_path(upload, filename):
    """Stored under a random name: the original name is kept on the row, never in a path."""
    suffix = Path(filename).suffix.lower()[:8]
    return f"uploads/{upload.company_id}/{uuid.uuid4().hex}{suffix}"


def result_path(upload, filename):
    return f"uploads/{upload.company_id}/{uuid.uuid4().hex}-result.xlsx"


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
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # Outcome kind -> number of rows, at the check (preview) and after registering.
    check_counts = models.JSONField(_("preview"), default=dict, blank=True)
    result_counts = models.JSONField(_("result"), default=dict, blank=True)
    # The rows that would not simply be registered, for the preview page (capped).
    problems = models.JSONField(_("rows with a problem"), default=list, blank=True)
    result_file = models.FileField(_("result workbook"), upload_to=result_path, blank=True)
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


from .payout_models import (  # noqa: E402,F401
    BankAccount,
    BankAccountChange,
    PayoutBatch,
    PayoutBatchChange,
    PayoutItem,
    PayoutPayment,
)
from .api.tokens import ApiToken  # noqa: E402,F401
