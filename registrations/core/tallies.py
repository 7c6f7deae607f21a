"""The campaign's figures kept by the database: registrations and their moves counted and
summed by what the desk groups them by (registrations.desk), so its figures cost the same at
a thousand registrations or a million, and what a campaign's budget has committed
(registering reads it under the campaign's lock).

On PostgreSQL these are tables that triggers keep exact: statement triggers with transition
tables, one grouped upsert per statement, so an upload of 100,000 rows costs one statement
more, not 100,000. Every write counts, whoever makes it: the services, a bulk update, the
admin. On SQLite (development) they are views over the same rows, exact by construction.
Migration 0013 creates either. Days are local days (settings.TIME_ZONE).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from devices.models import Campaign

from ..companies.models import Company
from .choices import Reason, Source, Status


class DayTally(models.Model):
    """Registrations of a campaign by the day they were registered, installation country, source
    and status: how many and their cashback. `reason` only for the not-registrable ones (what
    installers stumble over), `paid_on` only for the paid ones."""

    campaign = models.ForeignKey(Campaign, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    day = models.DateField()
    country = models.CharField(max_length=2)
    source = models.CharField(max_length=10, choices=Source.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=32, choices=Reason.choices, blank=True)
    paid_on = models.DateField(null=True)
    registrations = models.BigIntegerField()
    amount_cents = models.BigIntegerField()

    class Meta:
        managed = False  # made and kept by SQL (migration 0013), see the module's docstring
        db_table = "registrations_daytally"
        permissions = [("run_campaign", _("Can see the campaign's figures and run the campaign"))]


class CompanyTally(models.Model):
    """Registrations of a campaign by company, installation country and status (over the whole
    campaign: a company's registrations by day would be nearly as many rows as registrations)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    company = models.ForeignKey(Company, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    country = models.CharField(max_length=2)
    status = models.CharField(max_length=20, choices=Status.choices)
    registrations = models.BigIntegerField()
    amount_cents = models.BigIntegerField()

    class Meta:
        managed = False
        db_table = "registrations_companytally"


class MoveTally(models.Model):
    """Status changes after the first decision (a review, documents, an expiry, a payment) by
    the registration's campaign, the day, the installation's country then, and the move."""

    campaign = models.ForeignKey(Campaign, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    day = models.DateField()
    country = models.CharField(max_length=2)
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    reason = models.CharField(max_length=32, choices=Reason.choices)
    moves = models.BigIntegerField()

    class Meta:
        managed = False
        db_table = "registrations_movetally"
