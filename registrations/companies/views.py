"""Pages of the company: sign-up, enrolment, the company page with colleagues, invitations."""

from django.conf import settings
from django.contrib import messages
from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from cashback.errors import DomainError

from . import selectors, services
from .access import company_admin_required, company_required
from .forms import AcceptInvitationForm, CompanyForm, EnrolForm, InviteForm, SecondFactorForm, SignUpForm


@require_POST
def set_language(request):
    """Django's language switch; a signed-in person's choice is also kept on their account."""
    if request.user.is_authenticated and request.POST.get("language") in dict(settings.LANGUAGES):
        services.choose_language(request.user, request.POST["language"])
    return i18n.set_language(request)


def signup(request):
    if request.user.is_authenticated:
        return redirect("overview")
    campaign = selectors.open_campaigns().first()
    if campaign is None:
        return render(request, "companies/no_campaign.html")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.sign_up(
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            language=translation.get_language(),
            company_fields=form.company_fields(),
            campaign=campaign,
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your company is enrolled in %(campaign)s. Enter the bank account the "
                                    "cashback is paid to: it can then be paid as soon as registrations are accepted.")
                         % {"campaign": campaign})
        return redirect("bank_details")
    return render(request, "companies/signup.html", {
        "form": form, "campaign": campaign, "terms": campaign.terms_in(translation.get_language()),
    })


@company_required
def enrol(request):
    campaign = selectors.campaign_to_enrol(request.company)
    if campaign is None:
        return redirect("overview")
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrol(company=request.company, campaign=campaign, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your company is enrolled in %(campaign)s.") % {"campaign": campaign})
            return redirect("overview")
    return render(request, "companies/enrol.html", {
        "form": form, "campaign": campaign, "terms": campaign.terms_in(translation.get_language()),
    })


@company_required
def company(request):
    company = request.company
    is_admin = request.membership.is_admin
    form = CompanyForm(request.POST or None, instance=company) if is_admin else None
    if request.method == "POST" and is_admin and form.is_valid():
        services.update_company(company=company, by=request.user, fields={
            name: form.cleaned_data[name] for name in form.Meta.fields
        })
        messages.success(request, _("Company details saved."))
        return redirect("company")
    return render(request, "companies/company.html", {
        "form": form,
        "invite_form": InviteForm(),
        "members": company.memberships.select_related("user").order_by("user__first_name", "user__email"),
        "invitations": company.invitations.pending().select_related("invited_by"),
        "enrolments": company.enrolments.select_related("campaign"),
        "is_admin": is_admin,
    })


@require_POST
@company_admin_required
def invite(request):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invite_colleague(
                company=request.company, email=form.cleaned_data["email"], invited_by=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    else:
        messages.error(request, _("Enter a valid email address."))
    return redirect("company")


@require_POST
@company_admin_required
def revoke_invitation(request, pk):
    invitation = get_object_or_404(request.company.invitations, pk=pk)
    services.revoke_invitation(invitation=invitation, by=request.user)
    messages.success(request, _("Invitation for %(email)s withdrawn.") % {"email": invitation.email})
    return redirect("company")


@require_POST
@company_admin_required
def remove_member(request, pk):
    membership = get_object_or_404(request.company.memberships.select_related("user"), pk=pk)
    try:
        services.remove_member(membership=membership, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(email)s no longer has access.") % {"email": membership.user.email})
    return redirect("company")


def accept_invitation(request, token):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render(request, "companies/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        messages.info(request, _("Log out first to accept an invitation for another account."))
        return redirect("overview")
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to %(company)s.") % {"company": invitation.company.name})
            return redirect("overview")
    return render(request, "companies/accept_invitation.html", {"form": form, "invitation": invitation})


def locked_out(request, response, credentials):
    """django-axes' answer to a login that is locked out: in the reader's language, with the
    way back (a new password)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


class UnlockingPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password by the emailed link also lifts a lockout for too many failed logins, of
    the account and of the address the link is opened from: the mailbox proves who it is."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.email)
        axes_reset(ip=get_client_ip_address(self.request))
        return response


@login_required
def second_factor(request):
    """Staff confirm their login with a code (STAFF_SECOND_FACTOR); the first time they set up
    the authenticator app by scanning the code shown here."""
    next_url = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if not request.user.is_staff or request.user.is_verified():
        return redirect(next_url or "overview")
    device = services.second_factor_device(request.user)
    form = SecondFactorForm(request.POST or None)
    if form.is_valid():
        if services.confirm_second_factor(request, device, form.cleaned_data["token"]):
            return redirect(next_url or "overview")
        form.add_error("token", _("That code is not right (or no longer). Enter the code your app shows now."))
    return render(request, "companies/second_factor.html", {
        "form": form, "next": next_url, "setting_up": not device.confirmed,
        "qr_code": services.qr_code(device) if not device.confirmed else None,
        "secret": services.readable_secret(device) if not device.confirmed else None,
    })
