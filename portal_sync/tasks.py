import logging

from celery import shared_task

from . import services
from .models import SyncRun

log = logging.getLogger(__name__)


@shared_task(name="portal_sync.tasks.sync_portals")
def sync_portals(customer_number=None):
    """Nightly (Celery beat): the monitoring-portal sync for every enrolled company."""
    try:
        run = services.sync(customer_number=customer_number, trigger=SyncRun.Trigger.SCHEDULE)
    except services.SyncAlreadyRunning as busy:
        log.warning("Portal sync skipped: %s", busy)
        return None
    except services.LockLost:
        log.error("Portal sync stopped: another run took over its lock")
        return None
    log.info("Portal sync %s: %d companies, %d devices seen, %d registered, %d errors",
             run.state, run.companies, run.devices_seen, run.registered, run.error_count)
    return run.pk
