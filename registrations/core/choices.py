"""The vocabulary of a registration: statuses, reason codes, sources and actors.

Kept free of models so that the rules engine can be imported and tested without a database.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    # Labels are the brief's status texts (in Dutch once translated); the not-registrable one
    # gets the product and serial filled in by Registration.status_label.
    ACCEPTED = "accepted", _("Registration successful, not yet paid")
    MORE_INFO = "more_info", _("More information needed – Upload documents")
    IN_REVIEW = "in_review", _("Documents received – In review")
    PAID = "paid", _("Registered – Payment made")
    NOT_REGISTRABLE = "not_registrable", _("Not registrable")


# Statuses in which a serial counts as taken: at most one registration per serial may be in
# one of these (a partial unique index), so a serial is paid at most once, ever.
ACCEPTED_STATUSES = (Status.ACCEPTED, Status.PAID)
# Statuses in which another company's registration of the same serial is a competing claim.
CLAIM_STATUSES = (Status.ACCEPTED, Status.PAID, Status.MORE_INFO, Status.IN_REVIEW)


class Reason(models.TextChoices):
    ELIGIBLE = "eligible", _("Meets the campaign conditions")
    UNKNOWN_SERIAL = "unknown_serial", _("Unknown serial number")
    MODEL_MISMATCH = "model_mismatch", _("Serial number belongs to another model")
    PRODUCT_NOT_ELIGIBLE = "product_not_eligible", _("Product not in the campaign")
    INSTALLED_OUTSIDE_PERIOD = "installed_outside_period", _("Installed outside the campaign period")
    REGISTRATION_CLOSED = "registration_closed", _("Registered after the deadline")
    BUDGET_USED_UP = "budget_used_up", _("The campaign budget is used up")
    COMPANY_LIMIT_REACHED = "company_limit_reached", _("Your company reached the campaign's limit")
    CLAIMED_BY_OTHER_COMPANY = "claimed_by_other_company", _("Also registered by another company")
    PRODUCT_CHECK = "product_check", _("Documents required for this product")
    VOLUME_CHECK = "volume_check", _("Volume check")
    AUDIT_SAMPLE = "audit_sample", _("Random audit")
    DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested by campaign staff")
    DOCUMENTS_RECEIVED = "documents_received", _("Documents received")
    APPROVED = "approved", _("Approved after review")
    REJECTED = "rejected", _("Rejected after review")
    DEADLINE_EXPIRED = "deadline_expired", _("Document deadline expired")
    DEADLINE_EXTENDED = "deadline_extended", _("Document deadline extended")
    PAID = "paid", pgettext_lazy("reason", "Cashback paid")
    DUPLICATE = "duplicate", _("Already registered by your company")
    CORRECTED = "corrected", _("Registered again with corrected data")


# Not-registrable reasons an installer can fix by registering the same serial again: the
# model that goes with the serial, or a serial the maker has added to its list since. The
# earlier attempt is then decided anew (with a history row) instead of refused as a duplicate.
# A date outside the period is not among them: that one goes through the campaign team.
CORRECTABLE_REASONS = (Reason.UNKNOWN_SERIAL, Reason.MODEL_MISMATCH)


class Source(models.TextChoices):
    WEB = "web", _("Website form")
    EXCEL = "excel", _("Excel upload")
    PORTAL = "portal", _("Sunny Portal")
    API = "api", _("API")


class SystemJob(models.TextChoices):
    """Who changed a status when no person did."""

    DEADLINE_JOB = "deadline_job", _("Document deadline job")
    PORTAL_SYNC = "portal_sync", _("Sunny Portal sync")
    STAFF_IMPORT = "staff_import", _("Import by the campaign team")


class RowResult(models.TextChoices):
    """What became (or would become) of one row of an uploaded file."""

    REGISTERED = "registered", _("Registered")
    MORE_INFO = "more_info", _("More information needed")
    NOT_REGISTRABLE = "not_registrable", _("Not registrable")
    DUPLICATE_IN_FILE = "duplicate_in_file", _("Twice in this file")
    ALREADY_REGISTERED = "already_registered", _("Already registered")
    # Registered before and refused then (an unknown serial sent again unchanged): not a success.
    REFUSED_BEFORE = "refused_before", _("Refused before")
    INVALID = "invalid", _("Invalid value")
