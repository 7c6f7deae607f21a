"""Forms of the company's bank details and of the finance pages."""

from django import forms
from django.utils.translation import gettext_lazy

from cashback.widgets import DateInput
from devices.models import Campaign

from ..companies.choices import Country
from .selectors import Selection


class BankDetailsForm(forms.Form):
    holder = forms.CharField(label=gettext_lazy("Account holder"), max_length=70)
    iban = forms.CharField(label=gettext_lazy("IBAN"), max_length=42,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                         "autocapitalize": "characters"}))
    bic = forms.CharField(label=gettext_lazy("BIC (if your bank asks for it)"), max_length=14, required=False)


class SelectionForm(forms.Form):
    campaign = forms.ModelChoiceField(Campaign.objects.all(), required=False, label=gettext_lazy("Campaign"),
                                      empty_label=gettext_lazy("All campaigns"))
    country = forms.ChoiceField(choices=[("", gettext_lazy("All countries")), *Country.choices], required=False,
                                label=gettext_lazy("Country"))
    decided_until = forms.DateField(required=False, label=gettext_lazy("Decided on or before"),
                                    widget=DateInput())

    def selection(self):
        data = self.cleaned_data
        return Selection(campaign_id=data["campaign"].pk if data.get("campaign") else None,
                                 country=data.get("country") or "", decided_until=data.get("decided_until"))


class ExpectedForm(SelectionForm):
    """The preview's totals travel with "create": the batch is made only if they still hold."""

    expected_count = forms.IntegerField(widget=forms.HiddenInput)
    expected_total = forms.IntegerField(widget=forms.HiddenInput)


class ExportForm(forms.Form):
    execution_date = forms.DateField(label=gettext_lazy("Execution date"), widget=DateInput())


class PaidForm(forms.Form):
    executed_on = forms.DateField(label=gettext_lazy("Paid on"), widget=DateInput())
