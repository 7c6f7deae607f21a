from django import forms
from django.utils.translation import gettext_lazy


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60,
                           help_text=gettext_lazy("Which software uses it, e.g. “ERP production”."))
