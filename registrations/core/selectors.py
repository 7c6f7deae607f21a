"""Reads for the installer pages: what a company sees, always scoped through for_company()."""

from django.db.models import Count, Q, Sum

from devices.models import CampaignProduct

from .choices import Reason, Status
from .models import Registration

SORTABLE = {
    "serial": "serial",
    "product": "product__code",
    "installed_on": "installed_on",
    "source": "source",
    "status": "status",
    "registered": "created_at",
    "due": "documents_due_at",
}
DEFAULT_SORT = "-registered"


def eligible_products(campaign):
    return CampaignProduct.objects.filter(campaign=campaign).select_related("product__family")


def status_summary(company):
    """Count and cashback per status, in the order installers read them, in one query."""
    rows = (
        Registration.objects.for_company(company)
        .values("status")
        .annotate(count=Count("id"), amount_cents=Sum("amount_cents"))
    )
    by_status = {row["status"]: row for row in rows}
    return [
        {
            "status": status,
            "label": status.label,
            "count": by_status.get(status, {}).get("count", 0),
            "amount_cents": by_status.get(status, {}).get("amount_cents") or 0,
        }
        for status in (Status.ACCEPTED, Status.MORE_INFO, Status.IN_REVIEW, Status.PAID, Status.NOT_REGISTRABLE)
    ]


def filter_registrations(company, *, q="", status="", product="", source="", campaign=None, sort=DEFAULT_SORT):
    qs = Registration.objects.for_company(company).with_display_relations()
    if q:
        qs = qs.filter(Q(serial__icontains=q) | Q(reference__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if product:
        qs = qs.filter(product__code=product)
    if source:
        qs = qs.filter(source=source)
    if campaign:
        qs = qs.filter(campaign_id=campaign)
    key = sort.lstrip("-")
    field = SORTABLE.get(key, SORTABLE[DEFAULT_SORT.lstrip("-")])
    direction = "-" if sort.startswith("-") else ""
    return qs.order_by(f"{direction}{field}", f"{direction}id")


def suggested_product(registration):
    """For a serial registered as the wrong model: the right model, if it takes part in the
    registration's campaign (then the installer can register it again as that one)."""
    if registration.reason != Reason.MODEL_MISMATCH or registration.known_device is None:
        return None
    product = registration.known_device.product
    if not CampaignProduct.objects.filter(campaign=registration.campaign_id, product=product).exists():
        return None
    return product


def registration_for_company(company, pk):
    return Registration.objects.for_company(company).with_display_relations().get(pk=pk)
