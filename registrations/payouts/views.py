"""Pages about money: the installer's bank details and payouts, and the finance team's
batches from selection to paid (permission "manage payouts")."""

from datetime import timedelta

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashback.errors import DomainError
from cashback.xlsx import XLSX_MIME

from ..companies.access import company_required
from . import bank, selectors, services
from .access import finance_required
from .files import company_specification
from .forms import BankDetailsForm, ExpectedForm, ExportForm, PaidForm, SelectionForm
from .models import BankAccount, PayoutBatch

# The installer's pages ------------------------------------------------------------------------


@company_required
def bank_details(request):
    company = request.company
    account = BankAccount.objects.filter(company=company).first()
    is_admin = request.membership.is_admin
    initial = {"holder": account.holder, "iban": account.formatted_iban, "bic": account.bic} if account else {
        "holder": company.name
    }
    form = BankDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not is_admin:
            messages.error(request, _("Only your company admin can do this."))
            return redirect("bank_details")
        if form.is_valid():
            try:
                bank.set_bank_account(company, user=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Bank details saved. Your company's admins get an email about the change."))
                return redirect("bank_details")
    count, cents = selectors.waiting_for_bank_details(company)
    return render(request, "payouts/bank_details.html", {
        "form": form if is_admin else None,
        "account": account,
        "changes": company.bank_changes.select_related("changed_by")[:20],
        "waiting_count": count,
        "waiting_cents": cents,
    })


@company_required
def payout_list(request):
    return render(request, "payouts/payouts.html", {"payouts": selectors.paid_to_company(request.company)})


@company_required
def payout_specification(request, pk):
    batch = PayoutBatch.objects.filter(
        pk=pk, state__in=[PayoutBatch.State.EXPORTED, PayoutBatch.State.PAID], items__company=request.company
    ).distinct().first()
    if batch is None:
        raise Http404
    response = HttpResponse(company_specification(request.company, batch), content_type=XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="cashback-{batch.reference}.xlsx"'
    return response


# The finance team's pages ---------------------------------------------------------------------


@finance_required
def batches(request):
    return render(request, "payouts/finance_batches.html", {
        "batches": PayoutBatch.objects.select_related("created_by", "approved_by", "campaign")[:200],
    })


@finance_required
def new_batch(request):
    form = (ExpectedForm if request.method == "POST" else SelectionForm)(request.POST or request.GET or None)
    preview = None
    if form.is_bound and form.is_valid():
        if request.method == "POST":
            try:
                batch = services.create_batch(form.selection(), actor=request.user, expected=(
                    form.cleaned_data["expected_count"], form.cleaned_data["expected_total"]))
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Batch %(reference)s created; a second finance user approves it.")
                                 % {"reference": batch.reference})
                return redirect("finance_batch", batch.pk)
        preview = selectors.preview(form.selection())
    return render(request, "payouts/finance_new_batch.html", {"form": form, "preview": preview})


@finance_required
def batch_detail(request, pk):
    batch = get_object_or_404(PayoutBatch, pk=pk)
    return _batch_page(request, batch)


def _batch_page(request, batch, *, export_form=None, paid_form=None, status=200):
    """The batch with its steps; a step refused for its date comes back with the date typed."""
    batch = PayoutBatch.objects.select_related("created_by", "approved_by", "campaign").get(pk=batch.pk)
    tomorrow = timezone.localdate() + timedelta(days=1)
    return render(request, "payouts/finance_batch.html", {
        "batch": batch,
        "payments": selectors.company_totals(batch),
        "history": batch.history.select_related("actor"),
        "export_form": export_form or ExportForm(initial={"execution_date": tomorrow}),
        "paid_form": paid_form or PaidForm(initial={"executed_on": timezone.localdate()}),
        "can_approve": batch.state == PayoutBatch.State.OPEN and batch.created_by_id != request.user.pk,
    }, status=status)


def _act(request, pk, action):
    batch = get_object_or_404(PayoutBatch, pk=pk)
    try:
        action(batch)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("finance_batch", batch.pk)


@require_POST
@finance_required
def approve(request, pk):
    return _act(request, pk, lambda batch: services.approve_batch(batch, actor=request.user))


@require_POST
@finance_required
def cancel(request, pk):
    return _act(request, pk, lambda batch: services.cancel_batch(batch, actor=request.user,
                                                                note=request.POST.get("note", "")))


@require_POST
@finance_required
def void(request, pk):
    return _act(request, pk, lambda batch: services.void_export(batch, actor=request.user,
                                                               note=request.POST.get("note", "")))


def _act_on_date(request, pk, form_class, form_name, missing, action):
    """A step that needs a date: `action(batch, date)` once the form gives one. When the date is
    missing or the step is refused, the page comes back with the date as it was typed."""
    batch = get_object_or_404(PayoutBatch, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(batch, next(iter(form.cleaned_data.values())))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            return redirect("finance_batch", batch.pk)
    else:
        messages.error(request, missing)
    return _batch_page(request, batch, status=400, **{form_name: form})


@require_POST
@finance_required
def export(request, pk):
    return _act_on_date(request, pk, ExportForm, "export_form", _("Choose the execution date."), lambda batch, day:
                        services.export_batch(batch, actor=request.user, execution_date=day))


@require_POST
@finance_required
def paid(request, pk):
    return _act_on_date(request, pk, PaidForm, "paid_form", _("Choose the date the bank paid."), lambda batch, day:
                        services.mark_paid(batch, actor=request.user, executed_on=day))


@finance_required
def batch_file(request, pk, which):
    batch = get_object_or_404(PayoutBatch, pk=pk)
    stored = {"sepa": batch.sepa_file, "summary": batch.summary_file}.get(which)
    if not stored:
        raise Http404
    return FileResponse(stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1])
