"""Reads for the installer pages: what the sync did for a company, and when."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from .client import configured_portals
from .models import FINAL_TRANSFERS, PortalDevice, SyncRun, Transfer

FINISHED = (SyncRun.State.SUCCEEDED, SyncRun.State.PARTIAL)


@dataclass
class CompanySync:
    enabled: bool
    synced_at: datetime | None  # the last run that reached both portals for the company
    failed_at: datetime | None  # a later run that could not
    transferred: int
    not_transferred: int
    predates: int


def company_sync(company):
    counts = PortalDevice.objects.for_company(company).aggregate(
        transferred=Count("pk", filter=Q(transfer=Transfer.REGISTERED)),
        not_transferred=Count("pk", filter=~Q(transfer__in=FINAL_TRANSFERS)),
        predates=Count("pk", filter=Q(transfer=Transfer.PREDATES)),
    )
    synced_at = failed_at = None
    # The company's last synchronisation: the newest finished run that covered it without an
    # error for it or for a whole portal. Runs are few (one a night), so a short scan will do.
    runs = SyncRun.objects.filter(state__in=FINISHED, customer_number__in=["", company.customer_number])
    for run in runs.order_by("-started_at").only("started_at", "finished_at", "errors")[:30]:
        troubled = any(e.get("customer_number") in ("", None, company.customer_number) for e in run.errors)
        if not troubled:
            synced_at = run.finished_at
            break
        if failed_at is None:
            failed_at = run.finished_at
    return CompanySync(enabled=bool(configured_portals()), synced_at=synced_at, failed_at=failed_at, **counts)
