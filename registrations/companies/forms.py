"""Forms of sign-up, the company page, invitations and passwords."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _
from stdnum.eu import vat

from cashback.errors import InvalidInput

from . import services
from .addresses import normalize_postcode
from .choices import Country
from .models import Company, User


class NewPasswordMixin:
    """Two password fields that must match and pass Django's password validators."""

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(p1, self.password_user())
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class CompanyFieldsMixin:
    """Cleaning of a company's identity fields, shared by sign-up and the company page."""

    # Valid numbers (stdnum checks the check digits, so an example must pass it too).
    VAT_EXAMPLES = "NL000099998B57, BE0403170701, LU15027442"

    def clean_vat_number(self):
        value = vat.compact(self.cleaned_data["vat_number"])
        if not vat.is_valid(value):
            raise forms.ValidationError(
                _("This is not a valid VAT number (for example %(examples)s).") % {"examples": self.VAT_EXAMPLES}
            )
        others = Company.objects.filter(vat_number=value)
        if getattr(self, "instance", None) is not None and self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("A company with this VAT number is already registered. Ask its company admin to invite you.")
            )
        return value

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country")
        if country and cleaned.get("vat_number") and not cleaned["vat_number"].startswith(country):
            self.add_error("vat_number", _("The VAT number does not belong to the company's country."))
        if country and cleaned.get("postcode"):
            try:
                cleaned["postcode"] = normalize_postcode(cleaned["postcode"], country)
            except InvalidInput as error:
                self.add_error("postcode", str(error))
        return cleaned


class SignUpForm(NewPasswordMixin, CompanyFieldsMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Your email address"), help_text=_("You log in with this address."))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    name = forms.CharField(label=_("Company name"), max_length=200)
    customer_number = forms.CharField(
        label=_("SMA customer number"), max_length=20,
        help_text=_("The number SMA gave your company; also used for automatic registration from Sunny Portal."),
    )
    vat_number = forms.CharField(label=_("VAT number"), max_length=20)
    country = forms.ChoiceField(label=_("Country"), choices=Country.choices)
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postcode = forms.CharField(label=_("Postcode"), max_length=10)
    city = forms.CharField(label=_("City"), max_length=100)
    contact_email = forms.EmailField(
        label=_("Contact email for status messages"),
        help_text=_("We send requests for documents and payout notices here."),
    )
    accept_terms = forms.BooleanField(label=_("My company accepts the campaign terms."))

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("There is already an account with this email address. Log in instead."))
        return email

    def clean_customer_number(self):
        value = "".join(self.cleaned_data["customer_number"].split()).upper()
        if not value.isalnum():
            raise forms.ValidationError(_("A customer number has letters and digits only."))
        if Company.objects.filter(customer_number=value).exists():
            raise forms.ValidationError(
                _("A company with this customer number is already registered. Ask its company admin to invite you.")
            )
        return value

    def password_user(self):
        data = self.cleaned_data
        return User(email=data.get("email", ""), first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""))

    def company_fields(self):
        keys = ("name", "customer_number", "vat_number", "country", "street", "postcode", "city", "contact_email")
        return {key: self.cleaned_data[key] for key in keys}


class CompanyForm(CompanyFieldsMixin, forms.ModelForm):
    """What a company admin may change; the customer number is fixed once set (staff change it)."""

    class Meta:
        model = Company
        fields = ["name", "vat_number", "country", "street", "postcode", "city", "contact_email", "language"]


class EnrolForm(forms.Form):
    accept_terms = forms.BooleanField(label=_("My company accepts the campaign terms."))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's email address"))


class AcceptInvitationForm(NewPasswordMixin, forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def password_user(self):
        return User(email=self.email, first_name=self.cleaned_data.get("first_name", ""))


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's form, but the email goes out from the worker, in the user's language."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        services.request_password_reset(context["user"])


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label=_("The 6-digit code of your authenticator app"), max_length=8, min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )
