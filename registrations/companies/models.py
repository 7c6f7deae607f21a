"""Installer companies and the people who log in: users, memberships, enrolments, invitations."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core import signing
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import Campaign

from .choices import Country, Role


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
    # The language the person chose (the switch in the page header); empty: their company's.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)

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

    @property
    def preferred_language(self):
        """Their choice, else their company's language; "" for staff who chose none."""
        company = self.company
        return self.language or (company.language if company else "")


def person_label(user, *, in_a_sentence=False):
    """Who did something, as people read it: a person by name (else email); no person (a
    script, the demo data, a deleted account) is the campaign team ("… changed by the SMA
    campaign team" in a sentence)."""
    if user is None:
        return _("the SMA campaign team") if in_a_sentence else _("SMA campaign team")
    return user.get_full_name() or user.email


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
