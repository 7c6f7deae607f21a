"""Payouts: from "registered, not yet paid" to "paid", through a batch that a second finance
user approves, that is exported as a SEPA credit transfer file, and then marked paid.

Every state change is one function here: it checks the current state under a row lock, runs
in one transaction and records a PayoutBatchChange. The number of SQL statements does not
depend on the number of registrations in a batch (items are written with COPY on PostgreSQL,
registrations updated in one statement).
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cashback.bulk import Same, insert_rows
from cashback.errors import DomainError

from .choices import Reason, Status
from .models import (
    BankAccount,
    Company,
    PayoutBatch,
    PayoutBatchChange,
    PayoutItem,
    PayoutPayment,
    Registration,
    StatusChange,
)


class PayoutError(DomainError):
    code = "payout_refused"


class FourEyes(PayoutError):
    code = "four_eyes"


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
            end = timezone.make_aware(datetime.combine(self.decided_until + timedelta(days=1), time.min))
            registrations = registrations.filter(status_changed_at__lt=end)
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


def _record(batch, from_state, to_state, actor, note=""):
    PayoutBatchChange.objects.create(batch=batch, from_state=from_state, to_state=to_state, actor=actor, note=note)


def _locked(batch, allowed):
    current = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if current.state not in allowed:
        raise PayoutError(
            _("Batch %(reference)s is “%(state)s”; this cannot be done now.")
            % {"reference": current.reference, "state": current.get_state_display()}
        )
    return current


def create_batch(selection, *, actor, expected=None):
    """A new batch of every payable registration in the selection. Two batches created at the
    same moment never share a registration: rows are locked (others skip them) and a partial
    unique index on live items holds it in the database as well.

    `expected` is the (count, total) the preview showed: if the selection changed since, the
    batch is not made (finance creates what it saw, nothing else). Each company's bank account
    is copied into the batch: that is the account the approver approves and the export pays.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            rows = list(
                payable(selection).select_for_update(skip_locked=True, of=("self",))
                .order_by("company_id", "serial").values_list("id", "company_id", "serial", "amount_cents")
            )
            if not rows:
                raise PayoutError(_("No accepted registrations to pay with these filters."))
            if expected is not None and tuple(expected) != (len(rows), sum(r[3] for r in rows)):
                raise PayoutError(_("The selection changed since the preview (registrations were accepted or paid "
                                    "meanwhile). Check the new totals and create the batch again."))
            batch = PayoutBatch.objects.create(
                reference=f"CB-{timezone.localdate(now):%Y%m%d}-{uuid.uuid4().hex[:6].upper()}",
                campaign_id=selection.campaign_id, country=selection.country, decided_until=selection.decided_until,
                total_cents=sum(r[3] for r in rows), item_count=len(rows), company_count=len({r[1] for r in rows}),
                created_by=actor, created_at=now,
            )
            insert_rows(PayoutItem, {
                "batch_id": Same(batch.pk),
                "registration_id": [r[0] for r in rows],
                "company_id": [r[1] for r in rows],
                "serial": [r[2] for r in rows],
                "amount_cents": [r[3] for r in rows],
                "active": Same(True),
            }, count=len(rows))
            _snapshot_payments(batch, rows)
            _record(batch, "", PayoutBatch.State.OPEN, actor)
    except IntegrityError:
        raise PayoutError(
            _("Another batch took some of these registrations at the same moment. Create the batch again.")
        ) from None
    return batch


def _snapshot_payments(batch, rows):
    totals, counts = defaultdict(int), defaultdict(int)
    for _pk, company_id, _serial, cents in rows:
        totals[company_id] += cents
        counts[company_id] += 1
    accounts = BankAccount.objects.in_bulk(list(totals), field_name="company_id")
    PayoutPayment.objects.bulk_create([
        PayoutPayment(batch=batch, company_id=company_id, iban=accounts[company_id].iban, bic=accounts[company_id].bic,
                      holder=accounts[company_id].holder, amount_cents=totals[company_id], count=counts[company_id],
                      end_to_end_id=f"{batch.reference}-{index:05d}")
        for index, company_id in enumerate(sorted(totals), start=1)
    ], batch_size=1000)


def approve_batch(batch, *, actor):
    with transaction.atomic():
        current = _locked(batch, (PayoutBatch.State.OPEN,))
        if current.created_by_id == actor.pk:
            raise FourEyes(_("A batch is approved by a second person: you created this one."))
        current.state, current.approved_by, current.approved_at = PayoutBatch.State.APPROVED, actor, timezone.now()
        current.save(update_fields=["state", "approved_by", "approved_at"])
        _record(current, PayoutBatch.State.OPEN, PayoutBatch.State.APPROVED, actor)
    return current


def cancel_batch(batch, *, actor, note=""):
    """Only before export: the registrations return to the pool."""
    with transaction.atomic():
        current = _locked(batch, (PayoutBatch.State.OPEN, PayoutBatch.State.APPROVED))
        PayoutItem.objects.filter(batch=current).update(active=False)
        from_state = current.state
        current.state, current.cancelled_at = PayoutBatch.State.CANCELLED, timezone.now()
        current.save(update_fields=["state", "cancelled_at"])
        _record(current, from_state, PayoutBatch.State.CANCELLED, actor, note)
    return current


def export_batch(batch, *, actor, execution_date):
    """The SEPA credit transfer file (pain.001.001.03, one payment per company) and an XLSX
    summary. Afterwards the batch is locked."""
    from sepaxml.validation import ValidationError as SepaInvalid

    from .payout_files import sepa_xml, summary_workbook

    if not settings.PAYOUT_DEBTOR.get("iban"):
        raise PayoutError(_("The account the transfers are made from is not configured (PAYOUT_DEBTOR_IBAN)."))
    if execution_date < timezone.localdate():
        raise PayoutError(_("The execution date cannot be in the past."))
    with transaction.atomic():
        current = _locked(batch, (PayoutBatch.State.APPROVED,))
        payments = company_totals(current)
        items = PayoutItem.objects.filter(batch=current).aggregate(total=Sum("amount_cents"), n=Count("id"))
        if not (sum(p.amount_cents for p in payments) == items["total"] == current.total_cents):
            raise PayoutError(_("The batch's items do not add up to its total; it was not exported."))
        changed = [p.company.name for p in payments if not p.account_unchanged]
        if changed:
            raise PayoutError(
                _("The bank details of %(companies)s changed after the batch was made. Cancel it and create a new "
                  "one, so that the new account is approved too.") % {"companies": ", ".join(changed[:5])}
            )
        try:
            xml = sepa_xml(current, payments, execution_date)
        except (SepaInvalid, ValueError) as error:
            raise PayoutError(_("The SEPA file could not be made: %(error)s") % {"error": error}) from None
        current.sepa_file.save(f"{current.reference}.xml", ContentFile(xml), save=False)
        current.summary_file.save(f"{current.reference}.xlsx", ContentFile(summary_workbook(current, payments)),
                                  save=False)
        current.state, current.exported_at = PayoutBatch.State.EXPORTED, timezone.now()
        current.save(update_fields=["state", "exported_at", "sepa_file", "summary_file"])
        _record(current, PayoutBatch.State.APPROVED, PayoutBatch.State.EXPORTED, actor,
                f"execution date {execution_date:%Y-%m-%d}")
    return current


def void_export(batch, *, actor, note):
    """The bank refused the file (or it was never sent): the exported batch is cancelled and
    its registrations return to the pool. A second finance user does it, with the reason."""
    note = (note or "").strip()
    if not note:
        raise PayoutError(_("Write why the export is void (e.g. the bank's rejection)."))
    with transaction.atomic():
        current = _locked(batch, (PayoutBatch.State.EXPORTED,))
        if current.history.filter(to_state=PayoutBatch.State.EXPORTED, actor=actor).exists():
            raise FourEyes(_("A second person voids an export: you exported this one."))
        PayoutItem.objects.filter(batch=current).update(active=False)
        current.state, current.cancelled_at = PayoutBatch.State.CANCELLED, timezone.now()
        current.save(update_fields=["state", "cancelled_at"])
        _record(current, PayoutBatch.State.EXPORTED, PayoutBatch.State.CANCELLED, actor, note)
    return current


def mark_paid(batch, *, actor, executed_on):
    """The bank executed the transfers: every registration of the batch becomes "paid" with
    one history row, and each company gets one email."""
    from .tasks import notify_payout

    with transaction.atomic():
        current = _locked(batch, (PayoutBatch.State.EXPORTED,))
        if executed_on > timezone.localdate() or executed_on < timezone.localdate(current.exported_at):
            raise PayoutError(_("The payment date is between the export (%(exported)s) and today.")
                              % {"exported": timezone.localdate(current.exported_at).isoformat()})
        paid_at = timezone.make_aware(datetime.combine(executed_on, time(12)))
        now = timezone.now()
        ids = list(PayoutItem.objects.filter(batch=current).values_list("registration_id", flat=True))
        # The registrations were locked out of every other change by their live payout item.
        updated = Registration.objects.filter(
            Exists(PayoutItem.objects.filter(batch=current, registration=OuterRef("pk"))), status=Status.ACCEPTED,
        ).update(status=Status.PAID, reason=Reason.PAID, paid_at=paid_at, status_changed_at=now, note="")
        if updated != len(ids):
            raise PayoutError(_("Some registrations of this batch are no longer accepted; nothing was marked paid."))
        insert_rows(StatusChange, {
            "registration_id": ids,
            "from_status": Same(Status.ACCEPTED),
            "to_status": Same(Status.PAID),
            "reason": Same(Reason.PAID),
            "actor_id": Same(actor.pk),
            "job": Same(""),
            "note": Same(current.reference),
            "created_at": Same(now),
        }, count=len(ids))
        current.state, current.executed_on = PayoutBatch.State.PAID, executed_on
        current.save(update_fields=["state", "executed_on"])
        _record(current, PayoutBatch.State.EXPORTED, PayoutBatch.State.PAID, actor, f"paid on {executed_on:%Y-%m-%d}")
        # One queued email per company: a broker hiccup costs one email, not all that follow.
        for company_id in PayoutPayment.objects.filter(batch=current).values_list("company_id", flat=True):
            transaction.on_commit(lambda c=company_id: notify_payout.delay(current.pk, c), robust=True)
    return current


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
    def account(self):
        return self.payment

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


def waiting_for_bank_details(company):
    """(count, cents) of the company's accepted registrations held out for want of bank details."""
    if BankAccount.objects.filter(company=company).exists():
        return 0, 0
    row = Registration.objects.for_company(company).filter(
        status=Status.ACCEPTED, amount_cents__isnull=False
    ).aggregate(n=Count("id"), total=Sum("amount_cents"))
    return row["n"], row["total"] or 0

