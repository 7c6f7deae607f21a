"""Forms of the device pages: registering one device, filtering the overview."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cashback.formatting import format_money
from cashback.widgets import DateInput

from ..companies.choices import Country
from .choices import Source, Status
from .selectors import SORTABLE


class DeviceForm(forms.Form):
    """One device. Only parses types; the rules and the cleaning live in the services."""

    serial = forms.CharField(
        label=_("Serial number"), max_length=64,
        help_text=_("On the type label of the device, e.g. 3012345678."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}),
    )
    product = forms.ChoiceField(label=_("Product type"))
    installed_on = forms.DateField(label=_("Installation date"), widget=DateInput())
    postcode = forms.CharField(label=_("Installation postcode"), max_length=10)
    country = forms.ChoiceField(label=_("Installation country"), choices=Country.choices)
    reference = forms.CharField(
        label=_("Own reference (optional)"), max_length=100, required=False,
        help_text=_("E.g. your order or customer number, to find the device back later."),
    )

    def __init__(self, *args, campaign_products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("Choose the product type"))] + [
            (cp.product.code, f"{cp.product.code} – {cp.product.family.name} ({format_money(cp.amount_cents)})")
            for cp in campaign_products
        ]
        self.fields["installed_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class OverviewFilterForm(forms.Form):
    q = forms.CharField(label=_("Search serial or reference"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses"))] + Status.choices)
    # A free value (any type designation filters); the drop-down offers the company's products.
    product = forms.CharField(label=_("Product"), required=False, widget=forms.Select)
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("All sources"))] + Source.choices)
    # The company's campaigns are offered; any id filters (a link from last year's overview).
    campaign = forms.IntegerField(label=_("Campaign"), required=False, widget=forms.Select)
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for key in SORTABLE] + [(f"-{key}", f"-{key}") for key in SORTABLE],
    )

    def __init__(self, *args, product_codes=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].widget.choices = [("", _("All products"))] + [(c, c) for c in product_codes]
        self.fields["campaign"].widget.choices = [("", _("All campaigns"))] + [(c.pk, c.name) for c in campaigns]

    def filters(self):
        """The valid filters; an invalid one (a stale link, a typo) is left out, not the rest."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {key: value for key, value in self.cleaned_data.items() if value}
