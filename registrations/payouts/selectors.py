"""Reads of payouts: what a batch would take, what it holds, and what a company was paid."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Sum

from cashback.dates import end_of_day

from ..companies.models import Company
from ..core.choices import Status
from ..core.models import Registration
from .models import BankAccount, PayoutBatch, PayoutItem, PayoutPayment


@dataclass(frozen=True)
class Selection:
    """Which accepted, unpaid registrations a batch takes."""

    campaign_id: int | None = None
    country: str = ""
    decided_until: object = None  # a date: decisions on or before it (Europe/Amsterdam)

    def apply(self, registrations):
        if self.campaign_id:
            registrations = registrations.filter(campaign_id=self.campaign_id)
        if self.country:
            registrations = registrations.filter(company__country=self.country)
        if self.decided_until:
            registrations = registrations.filter(status_changed_at__lt=end_of_day(self.decided_until))
        return registrations


def _in_live_batch():
    return PayoutItem.objects.filter(registration=OuterRef("pk"), active=True)


def _owed(selection):
    """Accepted registrations with an amount to pay, in the selection."""
    return selection.apply(Registration.objects.filter(status=Status.ACCEPTED, amount_cents__gt=0))


def _has_bank_account():
    return Exists(BankAccount.objects.filter(company=OuterRef("company_id")))


def payable(selection):
    """Accepted registrations with an amount, of companies with bank details, in no live batch."""
    return _owed(selection).filter(_has_bank_account()).exclude(Exists(_in_live_batch()))


def held_out(selection):
    """Accepted registrations that wait for their company's bank details, per company."""
    return (
        _owed(selection).exclude(_has_bank_account())
        .values("company_id", "company__name", "company__customer_number")
        .annotate(count=Count("id"), total=Sum("amount_cents"))
        .order_by("company__name")
    )


def preview(selection):
    """What a batch with this selection would hold: per company and overall, before saving."""
    per_company = list(
        payable(selection).values("company_id", "company__name", "company__customer_number", "company__country")
        .annotate(count=Count("id"), total=Sum("amount_cents")).order_by("company__name")
    )
    return {
        "companies": per_company,
        "count": sum(c["count"] for c in per_company),
        "total": sum(c["total"] for c in per_company),
        "held_out": list(held_out(selection)),
    }


@dataclass
class CompanyPayment:
    payment: PayoutPayment
    company: Company
    serials: list

    @property
    def amount_cents(self):
        return self.payment.amount_cents

    @property
    def count(self):
        return self.payment.count

    @property
    def account_unchanged(self):
        current = getattr(self.company, "bank_account", None)
        return current is not None and (current.iban, current.bic, current.holder) == (
            self.payment.iban, self.payment.bic, self.payment.holder
        )


def company_totals(batch):
    """One payment per company: the account fixed in the batch, the sum and the serials."""
    serials = defaultdict(list)
    for company_id, serial in PayoutItem.objects.filter(batch=batch).order_by("serial").values_list(
        "company_id", "serial"
    ).iterator(chunk_size=10_000):
        serials[company_id].append(serial)
    payments = PayoutPayment.objects.filter(batch=batch).select_related("company__bank_account").order_by(
        "company__name", "id"
    )
    return [CompanyPayment(p, p.company, serials[p.company_id]) for p in payments]


def in_live_batch(registration):
    return PayoutItem.objects.filter(registration=registration, active=True).select_related("batch").first()


def paid_to_company(company):
    """The company's payouts: batches exported or paid, with what they paid it."""
    return (
        PayoutItem.objects.filter(company=company, batch__state__in=[PayoutBatch.State.EXPORTED, PayoutBatch.State.PAID])
        .values("batch_id", "batch__reference", "batch__state", "batch__executed_on", "batch__exported_at")
        .annotate(total=Sum("amount_cents"), count=Count("id"))
        .order_by("-batch__exported_at")
    )


def has_bank_details(company):
    return BankAccount.objects.filter(company=company).exists()


def waiting_for_bank_details(company):
    """(count, cents) of the company's accepted registrations held out for want of bank details."""
    if has_bank_details(company):
        return 0, 0
    row = Registration.objects.for_company(company).filter(
        status=Status.ACCEPTED, amount_cents__isnull=False
    ).aggregate(n=Count("id"), total=Sum("amount_cents"))
    return row["n"], row["total"] or 0


def items_paid_to(company, batch):
    """The company's items of a batch, by serial, with their products."""
    return PayoutItem.objects.filter(batch=batch, company=company).select_related("registration__product").order_by(
        "serial"
    )


def payment_to(company, batch):
    """The transfer of a batch to the company (its account as fixed in the batch), or None."""
    return PayoutPayment.objects.filter(batch=batch, company=company).first()

