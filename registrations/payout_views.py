"""Installer pages about money: the company's bank details and its payouts."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _, gettext_lazy

from cashback.errors import DomainError

from . import bank, payouts
from .access import company_required
from .models import BankAccount, PayoutBatch
from .payout_files import company_specification

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BankDetailsForm(forms.Form):
    holder = forms.CharField(label=gettext_lazy("Account holder"), max_length=70)
    iban = forms.CharField(label=gettext_lazy("IBAN"), max_length=42,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                         "autocapitalize": "characters"}))
    bic = forms.CharField(label=gettext_lazy("BIC (if your bank asks for it)"), max_length=14, required=False)


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
    count, cents = payouts.waiting_for_bank_details(company)
    return render(request, "portal/bank_details.html", {
        "form": form if is_admin else None,
        "account": account,
        "changes": company.bank_changes.select_related("changed_by")[:20],
        "waiting_count": count,
        "waiting_cents": cents,
    })


@company_required
def payout_list(request):
    return render(request, "portal/payouts.html", {"payouts": payouts.paid_to_company(request.company)})


@company_required
def payout_specification(request, pk):
    batch = PayoutBatch.objects.filter(
        pk=pk, state__in=[PayoutBatch.State.EXPORTED, PayoutBatch.State.PAID], items__company=request.company
    ).distinct().first()
    if batch is None:
        raise Http404
    response = HttpResponse(company_specification(request.company, batch), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="cashback-{batch.reference}.xlsx"'
    return response


