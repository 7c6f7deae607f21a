"""Payouts: from "registered, not yet paid" to "paid", through a batch that a second finance
user approves, that is exported as a SEPA credit transfer file, and then marked paid.

Every state change of a batch is one function here: it checks the move against BATCH_MOVES
under a row lock, runs in one transaction and records a PayoutBatchChange. The number of SQL
statements does not depend on the number of registrations in a batch (items are written with
COPY on PostgreSQL, registrations moved to "paid" in one statement).
"""

import uuid
from collections import defaultdict

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from sepaxml.validation import ValidationError as SepaInvalid

from cashback.bulk import Same, insert_rows
from cashback.dates import midday
from cashback.errors import DomainError
from cashback.formatting import format_day

from ..core.choices import Reason, Status
from ..core.models import Registration
from ..core.moves import Transition
from ..core.transitions import move_all
from . import signals
from .files import sepa_xml, summary_workbook
from .models import BankAccount, PayoutBatch, PayoutBatchChange, PayoutItem, PayoutPayment
from .selectors import company_totals, payable

State = PayoutBatch.State

# What may happen to a batch in which state: step -> (states it may start from, state it leads to).
BATCH_MOVES = {
    "approve": ({State.OPEN}, State.APPROVED),
    "cancel": ({State.OPEN, State.APPROVED}, State.CANCELLED),  # before export only
    "export": ({State.APPROVED}, State.EXPORTED),
    "void": ({State.EXPORTED}, State.CANCELLED),  # the bank refused the file
    "pay": ({State.EXPORTED}, State.PAID),
}


class PayoutError(DomainError):
    code = "payout_refused"


class FourEyes(PayoutError):
    code = "four_eyes"


def _record(batch, from_state, to_state, actor, note="", day=None):
    PayoutBatchChange.objects.create(batch=batch, from_state=from_state, to_state=to_state, actor=actor, note=note,
                                     day=day)


def _step(batch, step, actor, *changed_fields, note="", day=None):
    """Save the locked batch in the state `step` leads to, with the fields the step set, and
    record the move."""
    from_state, batch.state = batch.state, BATCH_MOVES[step][1]
    batch.save(update_fields=["state", *changed_fields])
    _record(batch, from_state, batch.state, actor, note, day)


def _locked(batch, step):
    """The batch, locked, if BATCH_MOVES allows `step` from its state; else PayoutError."""
    current = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if current.state not in BATCH_MOVES[step][0]:
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
            _record(batch, "", State.OPEN, actor)
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
        current = _locked(batch, "approve")
        if current.created_by_id == actor.pk:
            raise FourEyes(_("A batch is approved by a second person: you created this one."))
        current.approved_by, current.approved_at = actor, timezone.now()
        _step(current, "approve", actor, "approved_by", "approved_at")
    return current


def cancel_batch(batch, *, actor, note=""):
    """Only before export: the registrations return to the pool."""
    with transaction.atomic():
        current = _locked(batch, "cancel")
        PayoutItem.objects.filter(batch=current).update(active=False)
        current.cancelled_at = timezone.now()
        _step(current, "cancel", actor, "cancelled_at", note=note)
    return current


def export_batch(batch, *, actor, execution_date):
    """The SEPA credit transfer file (pain.001.001.03, one payment per company) and an XLSX
    summary. Afterwards the batch is locked."""
    if not settings.PAYOUT_DEBTOR.get("iban"):
        raise PayoutError(_("The account the transfers are made from is not configured (PAYOUT_DEBTOR_IBAN)."))
    if execution_date < timezone.localdate():
        raise PayoutError(_("The execution date cannot be in the past."))
    with transaction.atomic():
        current = _locked(batch, "export")
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
        current.exported_at = timezone.now()
        _step(current, "export", actor, "exported_at", "sepa_file", "summary_file", day=execution_date)
    return current


def void_export(batch, *, actor, note):
    """The bank refused the file (or it was never sent): the exported batch is cancelled and
    its registrations return to the pool. A second finance user does it, with the reason."""
    note = (note or "").strip()
    if not note:
        raise PayoutError(_("Write why the export is void (e.g. the bank's rejection)."))
    with transaction.atomic():
        current = _locked(batch, "void")
        if current.history.filter(to_state=State.EXPORTED, actor=actor).exists():
            raise FourEyes(_("A second person voids an export: you exported this one."))
        PayoutItem.objects.filter(batch=current).update(active=False)
        current.cancelled_at = timezone.now()
        _step(current, "void", actor, "cancelled_at", note=note)
    return current


def mark_paid(batch, *, actor, executed_on):
    """The bank executed the transfers: every registration of the batch becomes "paid" with
    one history row, and each company gets one email."""
    with transaction.atomic():
        current = _locked(batch, "pay")
        if executed_on > timezone.localdate() or executed_on < timezone.localdate(current.exported_at):
            raise PayoutError(_("The payment date is between the export (%(exported)s) and today.")
                              % {"exported": format_day(current.exported_at)})
        # The registrations were locked out of every other change by their live payout item.
        paid = move_all(
            Registration.objects.filter(Exists(PayoutItem.objects.filter(batch=current, registration=OuterRef("pk")))),
            Transition.PAY, from_status=Status.ACCEPTED, reason=Reason.PAID, actor=actor, note=current.reference,
            paid_at=midday(executed_on),
        )
        if len(paid) != current.item_count:
            raise PayoutError(_("Some registrations of this batch are no longer accepted; nothing was marked paid."))
        current.executed_on = executed_on
        _step(current, "pay", actor, "executed_on", day=executed_on)
        signals.batch_paid.send(sender=PayoutBatch, batch=current, company_ids=list(
            PayoutPayment.objects.filter(batch=current).values_list("company_id", flat=True)
        ))
    return current
