"""Finance staff: payout batches from selection to paid (permission "manage payouts")."""

from datetime import timedelta
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from cashback.errors import DomainError
from devices.models import Campaign

from . import payouts
from .choices import Country
from .models import PayoutBatch


def finance_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_staff and request.user.has_perm("registrations.manage_payouts")):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class SelectionForm(forms.Form):
    campaign = forms.ModelChoiceField(Campaign.objects.all(), required=False, label=gettext_lazy("Campaign"),
                                      empty_label=gettext_lazy("All campaigns"))
    country = forms.ChoiceField(choices=[("", gettext_lazy("All countries")), *Country.choices], required=False,
                                label=gettext_lazy("Country"))
    decided_until = forms.DateField(required=False, label=gettext_lazy("Decided on or before"),
                                    widget=forms.DateInput(attrs={"type": "date"}))

    def selection(self):
        data = self.cleaned_data
        return payouts.Selection(campaign_id=data["campaign"].pk if data.get("campaign") else None,
                                 country=data.get("country") or "", decided_until=data.get("decided_until"))


class ExpectedForm(SelectionForm):
    """The preview's totals travel with "create": the batch is made only if they still hold."""

    expected_count = forms.IntegerField(widget=forms.HiddenInput)
    expected_total = forms.IntegerField(widget=forms.HiddenInput)


class ExportForm(forms.Form):
    execution_date = forms.DateField(label=gettext_lazy("Execution date"), widget=forms.DateInput(attrs={"type": "date"}))


class PaidForm(forms.Form):
    executed_on = forms.DateField(label=gettext_lazy("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))


@finance_required
def batches(request):
    return render(request, "finance/batches.html", {
        "batches": PayoutBatch.objects.select_related("created_by", "approved_by", "campaign")[:200],
    })


@finance_required
def new_batch(request):
    form = (ExpectedForm if request.method == "POST" else SelectionForm)(request.POST or request.GET or None)
    preview = None
    if form.is_bound and form.is_valid():
        if request.method == "POST":
            try:
                batch = payouts.create_batch(form.selection(), actor=request.user, expected=(
                    form.cleaned_data["expected_count"], form.cleaned_data["expected_total"]))
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Batch %(reference)s created; a second finance user approves it.")
                                 % {"reference": batch.reference})
                return redirect("finance_batch", batch.pk)
        preview = payouts.preview(form.selection())
    return render(request, "finance/new_batch.html", {"form": form, "preview": preview})


@finance_required
def batch_detail(request, pk):
    batch = get_object_or_404(PayoutBatch.objects.select_related("created_by", "approved_by", "campaign"), pk=pk)
    tomorrow = timezone.localdate() + timedelta(days=1)
    return render(request, "finance/batch.html", {
        "batch": batch,
        "payments": payouts.company_totals(batch),
        "history": batch.history.select_related("actor"),
        "export_form": ExportForm(initial={"execution_date": tomorrow}),
        "paid_form": PaidForm(initial={"executed_on": timezone.localdate()}),
        "can_approve": batch.state == PayoutBatch.State.OPEN and batch.created_by_id != request.user.pk,
    })


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
    return _act(request, pk, lambda batch: payouts.approve_batch(batch, actor=request.user))


@require_POST
@finance_required
def cancel(request, pk):
    return _act(request, pk, lambda batch: payouts.cancel_batch(batch, actor=request.user,
                                                                note=request.POST.get("note", "")))


@require_POST
@finance_required
def void(request, pk):
    return _act(request, pk, lambda batch: payouts.void_export(batch, actor=request.user,
                                                               note=request.POST.get("note", "")))


def _act_on_date(request, pk, form_class, missing, action):
    """A step that needs a date: `action(batch, date)` once the form gives one."""
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, missing)
        return redirect("finance_batch", pk)
    day = next(iter(form.cleaned_data.values()))
    return _act(request, pk, lambda batch: action(batch, day))


@require_POST
@finance_required
def export(request, pk):
    return _act_on_date(request, pk, ExportForm, _("Choose the execution date."), lambda batch, day:
                        payouts.export_batch(batch, actor=request.user, execution_date=day))


@require_POST
@finance_required
def paid(request, pk):
    return _act_on_date(request, pk, PaidForm, _("Choose the date the bank paid."), lambda batch, day:
                        payouts.mark_paid(batch, actor=request.user, executed_on=day))


@finance_required
def batch_file(request, pk, which):
    batch = get_object_or_404(PayoutBatch, pk=pk)
    stored = {"sepa": batch.sepa_file, "summary": batch.summary_file}.get(which)
    if not stored:
        raise Http404
    return FileResponse(stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1])
