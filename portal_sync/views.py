from django.core.paginator import Paginator
from django.shortcuts import render

from registrations.companies.access import company_required

from . import selectors
from .models import FINAL_TRANSFERS, PortalDevice


@company_required
def portal_devices(request):
    """The devices the monitoring portals report for the company and what became of each."""
    devices = PortalDevice.objects.for_company(request.company).select_related("registration")
    show = request.GET.get("show", "")
    if show == "transferred":
        devices = devices.filter(transfer__in=FINAL_TRANSFERS)
    elif show == "not_transferred":
        devices = devices.exclude(transfer__in=FINAL_TRANSFERS)
    return render(request, "portal_sync/devices.html", {
        "page": Paginator(devices, 50).get_page(request.GET.get("page")),
        "show": show,
        "sync": selectors.company_sync(request.company),
    })
