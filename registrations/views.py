from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashback.errors import DomainError

from . import companies, exports, payouts, selectors, services
from .access import company_admin_required, company_required
from .choices import Source, Status
from .forms import (
    AcceptInvitationForm,
    CompanyForm,
    DeviceForm,
    EnrolForm,
    InviteForm,
    OverviewFilterForm,
    SignUpForm,
)
from .models import Registration


def home(request):
    if not request.user.is_authenticated:
        return render(request, "portal/landing.html", {"campaign": selectors.open_campaigns().first()})
    return overview(request)


@company_required
def overview(request):
    company = request.company
    product_codes = (
        Registration.objects.for_company(company)
        .order_by("product__code")
        .values_list("product__code", flat=True)
        .distinct()
    )
    form = OverviewFilterForm(request.GET or None, product_codes=product_codes)
    filters = form.filters()
    registrations = selectors.filter_registrations(company, **filters)
    page = Paginator(registrations, settings.OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort = filters.get("sort", selectors.DEFAULT_SORT)
    return render(request, "portal/overview.html", {
        "form": form,
        "page": page,
        "summary": selectors.status_summary(company),
        "query": query.urlencode(),
        "sort": sort,
        "filtered": any(key != "sort" for key in filters),
        "campaign_to_enrol": selectors.campaign_to_enrol(company),
        "current_campaign": selectors.current_campaign(company),
        "waiting_for_bank": _waiting_for_bank(company),
        "Status": Status,
    })


def _waiting_for_bank(company):
    count, cents = payouts.waiting_for_bank_details(company)
    return (count, cents) if count else None


@company_required
def export(request, fmt):
    form = OverviewFilterForm(request.GET or None)
    registrations = selectors.filter_registrations(request.company, **form.filters())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(exports.csv_lines(registrations), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cashback-registrations-{stamp}.csv"'
        return response
    if fmt == "xlsx":
        return FileResponse(
            exports.xlsx_file(registrations),
            as_attachment=True,
            filename=f"cashback-registrations-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404


@company_required
def register(request):
    campaign = selectors.current_campaign(request.company)
    if campaign is None:
        if selectors.campaign_to_enrol(request.company):
            messages.info(request, _("Enrol your company in the campaign before you register devices."))
            return redirect("enrol")
        messages.info(request, _("Registration is closed: there is no open campaign to register devices in."))
        return redirect("overview")
    products = selectors.eligible_products(campaign)
    last = None
    if request.method == "POST":
        form = DeviceForm(request.POST, campaign_products=products)
        if form.is_valid():
            data = form.cleaned_data
            try:
                registration = services.register_device(
                    company=request.company,
                    serial=data["serial"],
                    product_code=data["product"],
                    installed_on=data["installed_on"],
                    postcode=data["postcode"],
                    country=data["country"],
                    reference=data["reference"],
                    source=Source.WEB,
                    user=request.user,
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                existing = getattr(error, "registration", None)
                if existing is not None:
                    last = existing
            else:
                # Back to an empty form for the next device of the same installation.
                return redirect(f"{request.path}?last={registration.pk}")
    else:
        initial = {"country": request.company.country}
        last_id = request.GET.get("last", "")
        if last_id.isdigit():
            last = Registration.objects.for_company(request.company).with_display_relations().filter(pk=last_id).first()
            if last:
                initial.update(installed_on=last.installed_on, postcode=last.postcode, country=last.country)
        form = DeviceForm(initial=initial, campaign_products=products)
    return render(request, "portal/register.html", {
        "form": form, "last": last, "campaign": campaign, "fix_product": last and selectors.suggested_product(last),
    })


@company_required
def registration_detail(request, pk):
    try:
        registration = selectors.registration_for_company(request.company, pk)
    except Registration.DoesNotExist:
        raise Http404 from None
    history = registration.history.select_related("actor")
    return render(request, "portal/registration_detail.html", {
        "registration": registration, "history": history, "Status": Status,
        "documents": registration.documents.all(),
        "fix_product": selectors.suggested_product(registration),
    })


def signup(request):
    if request.user.is_authenticated:
        return redirect("overview")
    campaign = selectors.open_campaigns().first()
    if campaign is None:
        return render(request, "portal/no_campaign.html")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = companies.sign_up(
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            language=translation.get_language(),
            company_fields=form.company_fields(),
            campaign=campaign,
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your company is enrolled in %(campaign)s.") % {"campaign": campaign})
        return redirect("overview")
    return render(request, "portal/signup.html", {"form": form, "campaign": campaign})


@company_required
def enrol(request):
    campaign = selectors.campaign_to_enrol(request.company)
    if campaign is None:
        return redirect("overview")
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            companies.enrol(company=request.company, campaign=campaign, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your company is enrolled in %(campaign)s.") % {"campaign": campaign})
            return redirect("overview")
    return render(request, "portal/enrol.html", {"form": form, "campaign": campaign})


@company_required
def company(request):
    company = request.company
    is_admin = request.membership.is_admin
    form = CompanyForm(request.POST or None, instance=company) if is_admin else None
    if request.method == "POST" and is_admin and form.is_valid():
        companies.update_company(company=company, by=request.user, fields={
            name: form.cleaned_data[name] for name in form.Meta.fields
        })
        messages.success(request, _("Company details saved."))
        return redirect("company")
    return render(request, "portal/company.html", {
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
            invitation = companies.invite_colleague(
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
    companies.revoke_invitation(invitation=invitation, by=request.user)
    messages.success(request, _("Invitation for %(email)s withdrawn.") % {"email": invitation.email})
    return redirect("company")


@require_POST
@company_admin_required
def remove_member(request, pk):
    membership = get_object_or_404(request.company.memberships.select_related("user"), pk=pk)
    try:
        companies.remove_member(membership=membership, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(email)s no longer has access.") % {"email": membership.user.email})
    return redirect("company")


def accept_invitation(request, token):
    invitation = companies.find_invitation(token)
    if invitation is None:
        return render(request, "portal/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        messages.info(request, _("Log out first to accept an invitation for another account."))
        return redirect("overview")
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = companies.accept_invitation(
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
                language=translation.get_language(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to %(company)s.") % {"company": invitation.company.name})
            return redirect("overview")
    return render(request, "portal/accept_invitation.html", {"form": form, "invitation": invitation})
