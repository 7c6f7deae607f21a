"""Reads for the installer pages: what the sync did for a company, and when."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from .client import configured_portals
from .models import FINAL_TRANSFERS, CompanySyncState, PortalDevice, Transfer


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
    state = CompanySyncState.objects.filter(company=company).first()
    synced_at = state.synced_at if state else None
    # A failure shows until the next run that reaches both portals for the company.
    failed_at = state.failed_at if state and state.failed_at and (not synced_at or state.failed_at > synced_at) else None
    return CompanySync(enabled=bool(configured_portals()), synced_at=synced_at, failed_at=failed_at, **counts)
