"""The installer's device pages: the status overview, registering a device, a device's page."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cashback.errors import DomainError
from cashback.xlsx import XLSX_MIME

from ..companies import selectors as company_selectors
from ..companies.access import company_required
from . import exports, registering, selectors
from .choices import Source, Status
from .forms import DeviceForm, OverviewFilterForm
from .models import Registration


def home(request):
    if not request.user.is_authenticated:
        return render(request, "core/landing.html", {"campaign": company_selectors.open_campaigns().first()})
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
    campaigns = company_selectors.enrolled_campaigns(company)
    form = OverviewFilterForm(request.GET or None, product_codes=product_codes, campaigns=campaigns)
    filters = form.filters()
    registrations = selectors.filter_registrations(company, **filters)
    page = Paginator(registrations, settings.OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort = filters.get("sort", selectors.DEFAULT_SORT)
    return render(request, "core/overview.html", {
        "form": form,
        "page": page,
        "summary": selectors.status_summary(company),
        "query": query.urlencode(),
        "sort": sort,
        "filtered": any(key != "sort" for key in filters),
        "campaign_to_enrol": company_selectors.campaign_to_enrol(company),
        "current_campaign": company_selectors.current_campaign(company),
        "Status": Status,
        "campaigns": campaigns,  # more than one: each registration says which it is in
    })


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
            content_type=XLSX_MIME,
        )
    raise Http404


@company_required
def register(request):
    campaign = company_selectors.current_campaign(request.company)
    if campaign is None:
        if company_selectors.campaign_to_enrol(request.company):
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
                registration = registering.register_device(
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
                existing = getattr(error, "registration", None)  # registered before: show that one
                if existing is not None:
                    last = existing
            else:
                # Back to an empty form for the next device of the same installation.
                return redirect(f"{request.path}?last={registration.pk}")
    else:
        initial = {"country": request.company.country}
        # A link from the monitoring-portal page brings what the portal knows of the device.
        initial.update({name: request.GET[name] for name in ("serial", "product", "installed_on", "postcode", "country")
                        if request.GET.get(name)})
        last_id = request.GET.get("last", "")
        if last_id.isdigit():
            last = Registration.objects.for_company(request.company).with_display_relations().filter(pk=last_id).first()
            if last:
                initial.update(installed_on=last.installed_on, postcode=last.postcode, country=last.country)
        form = DeviceForm(initial=initial, campaign_products=products)
    return render(request, "core/register.html", {
        "form": form, "last": last, "campaign": campaign, "fix_product": last and selectors.suggested_product(last),
    })


@company_required
def registration_detail(request, pk):
    try:
        registration = selectors.registration_for_company(request.company, pk)
    except Registration.DoesNotExist:
        raise Http404 from None
    history = registration.history.select_related("actor")
    return render(request, "core/registration_detail.html", {
        "registration": registration, "history": history, "Status": Status,
        "documents": registration.documents.all(),
        "fix_product": selectors.suggested_product(registration),
    })
