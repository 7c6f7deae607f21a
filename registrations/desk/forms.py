"""The desk's choice of campaign, period and country."""

from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cashback.widgets import DateInput

from . import selectors


class SelectionForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=selectors.campaigns(), empty_label=None,
                                      required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    country = forms.ChoiceField(label=_("Country"), required=False, choices=selectors.country_choices)

    def selection(self):
        """The chosen figures; what is left out or invalid (a stale link) takes its default. None
        when there is no campaign at all."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        campaign = data.get("campaign") or selectors.campaigns().first()
        if campaign is None:
            return None
        default = selectors.default_selection(campaign, timezone.localdate())
        start, end = data.get("start") or default.start, data.get("end") or default.end
        if end < start:
            start, end = end, start
        return selectors.Selection(campaign, start, end, data.get("country") or "")

    def query(self, selection):
        """The selection as a query string, for the workbook links."""
        return urlencode({**selection_values(selection), "campaign": selection.campaign.pk})


def selection_values(selection):
    return {"campaign": selection.campaign, "start": selection.start.isoformat(), "end": selection.end.isoformat(),
            "country": selection.country}


class EndCampaignForm(forms.Form):
    registration_deadline = forms.DateField(label=_("Last day to register"), widget=DateInput())
    note = forms.CharField(label=_("Why (the companies read it in the history)"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtendDeadlinesForm(forms.Form):
    until = forms.DateField(label=_("New document deadline"), widget=DateInput())
    customer_number = forms.CharField(label=_("Only this customer number"), required=False, max_length=32)
    serial = forms.CharField(label=_("Only this serial number"), required=False, max_length=32)
    note = forms.CharField(label=_("Why (the companies read it in their email)"),
                           widget=forms.Textarea(attrs={"rows": 2}))


class NoticeForm(forms.Form):
    subject_nl = forms.CharField(label=_("Subject (Dutch)"), max_length=150)
    text_nl = forms.CharField(label=_("Text (Dutch)"), widget=forms.Textarea(attrs={"rows": 4}))
    subject_fr = forms.CharField(label=_("Subject (French)"), max_length=150)
    text_fr = forms.CharField(label=_("Text (French)"), widget=forms.Textarea(attrs={"rows": 4}))
    subject_en = forms.CharField(label=_("Subject (English)"), max_length=150)
    text_en = forms.CharField(label=_("Text (English)"), widget=forms.Textarea(attrs={"rows": 4}))


class CopyCampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    slug = forms.SlugField(label=_("Short name (in links)"), max_length=50)
    installation_starts_on = forms.DateField(label=_("Installations from"), widget=DateInput())
    installation_ends_on = forms.DateField(label=_("Installations until"), widget=DateInput())
    registration_deadline = forms.DateField(label=_("Registration deadline"), widget=DateInput())
