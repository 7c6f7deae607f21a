"""The daily sync: ask the portals for each enrolled company's devices and register the
eligible ones through the same path as the form (source: portal).

- Idempotent: a device already handled is skipped without a write; a company's devices are
  written in one transaction, so a crash leaves each company either done or untouched.
- Failures are isolated: a portal that fails for one company is recorded and the others go
  on; a portal that keeps failing is left alone for the rest of the run.
- One run at a time: a lock row that expires (a crashed run blocks only until then).
- Every run is recorded (SyncRun) with its counts and errors.
"""

import logging
import threading
import time
import uuid
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cashback.errors import as_message_data
from cashback.processes import is_gone, this_process
from devices.models import ProductModel
from registrations.companies.models import Company
from registrations.core.choices import Source, Status, SystemJob
from registrations.core.errors import DuplicateRegistration
from registrations.core.registering import register_eligible_devices
from registrations.core.rows import DeviceRow

from .client import PortalClient, PortalError, PortalUnavailable, configured_portals
from .feed import Sighting, Unusable, merge, normalize_customer_number
from .models import EARLIER, FINAL_TRANSFERS, CompanySyncState, PortalDevice, SyncLock, SyncRun, Transfer

log = logging.getLogger(__name__)

LOCK = "portal-sync"
# Companies fetched ahead of the one being written: bounds memory, keeps the threads busy.
FETCH_AHEAD = 32


class SyncAlreadyRunning(Exception):
    def __init__(self, until, holder_gone=False):
        super().__init__(f"another sync is running (its lock expires at {until:%Y-%m-%d %H:%M:%S %Z})")
        self.until, self.holder_gone = until, holder_gone


class LockLost(Exception):
    """Another run took the lock over: this one stops before it writes anything more."""


# The lock ---------------------------------------------------------------------------------


def acquire_lock(ttl=None):
    """The holder id, or SyncAlreadyRunning. A conditional UPDATE, so two runs starting at
    the same moment cannot both get it, on PostgreSQL and SQLite alike."""
    now = timezone.now()
    ttl = ttl or settings.PORTAL_SYNC_LOCK_SECONDS
    try:
        with transaction.atomic():
            SyncLock.objects.get_or_create(name=LOCK, defaults={"expires_at": now})
    except IntegrityError:
        pass  # created by a run starting at the same moment
    holder = f"{uuid.uuid4().hex}@{this_process()}"
    if SyncLock.objects.filter(name=LOCK, expires_at__lte=now).update(holder=holder, expires_at=now + timedelta(seconds=ttl)):
        return holder
    lock = SyncLock.objects.get(name=LOCK)
    raise SyncAlreadyRunning(lock.expires_at, holder_gone=holder_gone(lock.holder))


def holder_gone(holder):
    """True when the lock's holder ran on this machine and its process exists no more: its run
    is provably over (a crash, a kill), whatever the lock's expiry says."""
    return is_gone(holder.partition("@")[2])


def release_dead_lock(by=""):
    """Staff free the lock of a run whose process is gone, rather than wait for its expiry;
    that run is recorded as abandoned, with who released its lock. False when the lock is free
    or its holder may be alive."""
    now = timezone.now()
    with transaction.atomic():
        lock = SyncLock.objects.select_for_update().filter(name=LOCK, expires_at__gt=now).first()
        if lock is None or not holder_gone(lock.holder):
            return False
        SyncLock.objects.filter(name=LOCK, holder=lock.holder).update(expires_at=now, holder="")
        for run in SyncRun.objects.filter(state=SyncRun.State.RUNNING):
            run.state, run.finished_at = SyncRun.State.ABANDONED, now
            run.errors = [*run.errors, {"portal": "", "customer_number": "",
                                        "message": f"its process was gone; {by or 'staff'} released its lock"}]
            run.error_count += 1
            run.save(update_fields=["state", "finished_at", "errors", "error_count"])
    log.warning("%s released the portal-sync lock of a dead run (%s)", by or "Staff", lock.holder)
    return True


def extend_lock(holder, ttl=None):
    ttl = ttl or settings.PORTAL_SYNC_LOCK_SECONDS
    if not SyncLock.objects.filter(name=LOCK, holder=holder).update(
        expires_at=timezone.now() + timedelta(seconds=ttl)
    ):
        raise LockLost()


def release_lock(holder):
    SyncLock.objects.filter(name=LOCK, holder=holder).update(expires_at=timezone.now(), holder="")


# The run ----------------------------------------------------------------------------------


@dataclass
class _Stats:
    companies: int = 0
    seen: int = 0
    registered: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)

    def error(self, message, *, portal="", customer_number=""):
        self.errors.append({"portal": portal, "customer_number": customer_number, "message": message[:500]})

    def add(self, other):
        self.seen += other.seen
        self.registered += other.registered
        self.unchanged += other.unchanged
        self.skipped.update(other.skipped)


def sync(*, customer_number=None, trigger=SyncRun.Trigger.MANUAL, portals=None):
    """Run the sync (for every enrolled company, or one customer number) and return its SyncRun.

    Raises SyncAlreadyRunning when another run holds the lock.
    """
    holder = acquire_lock()
    try:
        # Whatever still says "running" lost its process: nobody else holds the lock.
        SyncRun.objects.filter(state=SyncRun.State.RUNNING).update(
            state=SyncRun.State.ABANDONED, finished_at=timezone.now()
        )
        run = SyncRun.objects.create(
            trigger=trigger, customer_number=normalize_customer_number(customer_number), started_at=timezone.now()
        )
        stats = _Stats()
        try:
            _run(run, stats, holder, customer_number, portals if portals is not None else configured_portals())
        except BaseException:
            _finish(run, stats, SyncRun.State.FAILED)
            raise
        _finish(run, stats, SyncRun.State.PARTIAL if stats.errors else SyncRun.State.SUCCEEDED)
        return run
    finally:
        release_lock(holder)


def _finish(run, stats, state):
    run.state = state
    run.finished_at = timezone.now()
    run.companies = stats.companies
    run.devices_seen = stats.seen
    run.registered = stats.registered
    run.unchanged = stats.unchanged
    run.skipped = dict(stats.skipped)
    run.errors = stats.errors[:1000]
    run.error_count = len(stats.errors)
    run.save()


def enrolled_companies(customer_number=None):
    companies = Company.objects.filter(enrolments__campaign__is_active=True).distinct().order_by("customer_number")
    if customer_number:
        companies = companies.filter(customer_number=normalize_customer_number(customer_number))
    return companies


def _run(run, stats, holder, customer_number, portals):
    if not portals:
        stats.error("no monitoring portal is configured")
        return
    companies = list(enrolled_companies(customer_number).values_list("pk", "customer_number"))
    if customer_number and not companies:
        stats.error("no company enrolled in an active campaign has this customer number",
                    customer_number=normalize_customer_number(customer_number))
        return
    catalogue = _Catalogue()
    states = _States()
    deadline = time.monotonic() + settings.PORTAL_SYNC_MAX_SECONDS
    with _Fetcher(portals, keep_lock=lambda: extend_lock(holder)) as fetcher:
        for done, ((company_id, number), answers) in enumerate(fetcher.fetch(companies)):
            if time.monotonic() > deadline:
                left = len(companies) - done
                stats.error(f"stopped after {settings.PORTAL_SYNC_MAX_SECONDS} s: {left} companies not synchronised")
                states.failed.update({pk: "not synchronised: the run took too long" for pk, _n in companies[done:]})
                break
            extend_lock(holder)
            stats.companies += 1
            problems = []
            for portal, answer in answers.items():
                if isinstance(answer, PortalError):
                    stats.error(answer.message, portal=portal, customer_number=number)
                    problems.append(f"{portal}: {answer.message}")
            problems += [f"{portal}: not asked" for portal in fetcher.skipped_for(number)]
            found = [s for answer in answers.values() if not isinstance(answer, PortalError) for s in answer]
            for unusable in (s for s in found if isinstance(s, Unusable)):
                stats.error(f"device {unusable.device_id or '?'} on plant {unusable.plant_id or '?'} "
                            f"({unusable.plant_name or '?'}): {unusable.problem}",
                            portal=unusable.portal, customer_number=number)
            found = [s for s in found if isinstance(s, Sighting)]
            try:
                with transaction.atomic():
                    company_stats = _sync_company(company_id, found, catalogue)
                    _check_lock(holder)  # another run took over: write nothing more
                    _count(run, stats, company_stats)
            except LockLost:
                raise
            except Exception as error:  # noqa: BLE001 - one company's trouble must not stop the rest
                log.exception("Portal sync failed for customer number %s", number)
                stats.error(f"{type(error).__name__}: {error}"[:500], customer_number=number)
                problems.append(type(error).__name__)
            else:
                stats.add(company_stats)  # counted once its transaction committed
            if problems:
                states.failed[company_id] = "; ".join(problems)[:500]
            else:
                states.synced.append(company_id)
            states.flush_if_full()
        for portal, skipped in fetcher.not_asked.items():
            stats.error(f"the portal did not answer; {skipped} companies were not asked", portal=portal)
    states.flush()


def _count(run, stats, company):
    """The run's record grows with each company, in that company's transaction: a run that is
    killed half-way says exactly what it registered."""
    SyncRun.objects.filter(pk=run.pk).update(
        companies=F("companies") + 1, devices_seen=F("devices_seen") + company.seen,
        registered=F("registered") + company.registered, unchanged=F("unchanged") + company.unchanged,
        skipped=dict(stats.skipped + company.skipped),
    )


def _check_lock(holder):
    if not SyncLock.objects.filter(name=LOCK, holder=holder).exists():
        raise LockLost()


class _States:
    """Each company's "last synchronised at" (or "last failed at"), written in batches: one
    statement per few hundred companies, not one per company."""

    FLUSH_EVERY = 500

    def __init__(self):
        self.synced, self.failed = [], {}

    def flush_if_full(self):
        if len(self.synced) + len(self.failed) >= self.FLUSH_EVERY:
            self.flush()

    def flush(self):
        now = timezone.now()
        if self.synced:
            CompanySyncState.objects.bulk_create(
                [CompanySyncState(company_id=pk, synced_at=now) for pk in self.synced],
                update_conflicts=True, unique_fields=["company"], update_fields=["synced_at"], batch_size=500,
            )
        if self.failed:
            CompanySyncState.objects.bulk_create(
                [CompanySyncState(company_id=pk, failed_at=now, error=error) for pk, error in self.failed.items()],
                update_conflicts=True, unique_fields=["company"], update_fields=["failed_at", "error"], batch_size=500,
            )
        self.synced, self.failed = [], {}


class _Catalogue:
    """Product types by their lookup key, with their family's transfer flag."""

    def __init__(self):
        self.products = ProductModel.by_lookup_key()  # with their families

    def get(self, code):
        return self.products.get(ProductModel.lookup_key(code)) if code else None


# Fetching, in threads ----------------------------------------------------------------------


class _Fetcher:
    """Asks the portals for the companies' devices in a few threads (the answers are I/O),
    in order, a bounded number ahead of the writer. One HTTP session per thread and portal.

    A portal that did not answer for three companies in a row, or for half of the last twenty,
    is left alone for the rest of the run (one company's bad data does not count). While the
    writer waits for an answer it keeps the run's lock alive.
    """

    WINDOW, STREAK = 20, 3

    def __init__(self, portals, keep_lock=None):
        self.portals = portals
        self.keep_lock = keep_lock
        self.local = threading.local()
        self.clients = []
        self.lock = threading.Lock()
        self.recent = {config.name: deque(maxlen=self.WINDOW) for config in portals}
        self.not_asked = Counter()
        self.skipped = {}  # customer number -> portals not asked for it
        self.pool = ThreadPoolExecutor(max_workers=max(1, settings.PORTAL_SYNC_FETCH_THREADS),
                                       thread_name_prefix="portal-fetch")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.pool.shutdown(wait=True, cancel_futures=True)
        for client in self.clients:
            client.close()

    def fetch(self, companies):
        pending = deque()
        for company in companies:
            pending.append((company, self.pool.submit(self._ask, company[1])))
            if len(pending) > FETCH_AHEAD:
                company, future = pending.popleft()
                yield company, self._wait(future)
        while pending:
            company, future = pending.popleft()
            yield company, self._wait(future)

    def _wait(self, future):
        interval = max(1.0, settings.PORTAL_SYNC_LOCK_SECONDS / 3)
        while True:
            try:
                return future.result(timeout=interval)
            except FutureTimeout:
                if self.keep_lock:
                    self.keep_lock()

    def skipped_for(self, customer_number):
        return self.skipped.get(customer_number, ())

    def _down(self, name):
        recent = self.recent[name]
        streak = len(recent) >= self.STREAK and not any(list(recent)[-self.STREAK:])
        return streak or (len(recent) == self.WINDOW and recent.count(False) >= self.WINDOW // 2)

    def _client(self, config):
        clients = getattr(self.local, "clients", None)
        if clients is None:
            clients = self.local.clients = {}
        if config.name not in clients:
            clients[config.name] = PortalClient(config)
            with self.lock:
                self.clients.append(clients[config.name])
        return clients[config.name]

    def _ask(self, customer_number):
        answers = {}
        for config in self.portals:
            with self.lock:
                down = self._down(config.name)
                if down:
                    self.not_asked[config.name] += 1
                    self.skipped.setdefault(customer_number, []).append(config.name)
            if down:
                continue
            try:
                answers[config.name] = self._client(config).sightings(customer_number)
                answered = True
            except PortalUnavailable as error:
                answers[config.name], answered = error, False
            except PortalError as error:
                answers[config.name], answered = error, True  # the portal answered; the data was bad
            except Exception as error:  # noqa: BLE001 - a bug must cost one answer, not the run
                log.exception("Unexpected error asking %s for %s", config.name, customer_number)
                answers[config.name], answered = PortalError(config.name, f"{type(error).__name__}: {error}"), True
            with self.lock:
                self.recent[config.name].append(answered)
        return answers


# One company -----------------------------------------------------------------------------


def _sync_company(company_id, found, catalogue):
    """Register and record one company's devices (inside the caller's transaction) and return
    its counts."""
    stats = _Stats()
    sightings = merge(found)
    stats.seen += len(sightings)
    if not sightings:
        return stats
    known = {d.serial: d for d in PortalDevice.objects.filter(company_id=company_id)}
    now = timezone.now()
    results = {}  # serial -> (transfer, reason, detail, registration_id[, message data])
    candidates = []
    for serial, sighting in sightings.items():
        previous = known.get(serial)
        if previous is not None and previous.transfer in FINAL_TRANSFERS:
            stats.unchanged += 1
            stats.skipped[EARLIER if previous.transfer == Transfer.REGISTERED else Transfer.ALREADY_REGISTERED] += 1
            continue
        product = catalogue.get(sighting.product)
        if sighting.problem:
            results[serial] = (Transfer.INVALID, "", sighting.problem, None)
        elif sighting.predates_customer_number:
            results[serial] = (Transfer.PREDATES, "", "", None)
        elif product is None:
            results[serial] = (Transfer.UNKNOWN_PRODUCT, "", sighting.product, None)
        elif not product.family.transferred_from_portal:
            results[serial] = (Transfer.FAMILY_NOT_TRANSFERRED, "", product.family.name, None)
        elif sighting.installed_on is None:
            results[serial] = (Transfer.INVALID, "", "startUpUtc", None)
        else:
            candidates.append(sighting)

    if candidates:
        company = Company.objects.get(pk=company_id)
        rows = [
            # The plant's name is what installers call the installation: their own reference.
            DeviceRow(s.serial, s.product, s.installed_on, s.postcode, s.country, s.plant_name[:100])
            for s in candidates
        ]
        outcomes = register_eligible_devices(company=company, rows=rows, source=Source.PORTAL,
                                             job=SystemJob.PORTAL_SYNC)
        for sighting, outcome in zip(candidates, outcomes):
            results[sighting.serial] = _result(outcome)
    _record(company_id, sightings, known, results, now, stats)
    return stats


def _result(outcome):
    if isinstance(outcome.error, DuplicateRegistration):
        return Transfer.ALREADY_REGISTERED, "", "", getattr(outcome.error, "registration_id", None)
    if outcome.error is not None:
        # Kept as the text to translate and its facts: shown in each reader's language.
        return Transfer.INVALID, "", outcome.error.field or "", None, as_message_data(outcome.error.message)
    if outcome.decision.status == Status.NOT_REGISTRABLE:
        return Transfer.NOT_ELIGIBLE, outcome.decision.reason, "", None
    return Transfer.REGISTERED, outcome.decision.reason, "", outcome.registration_id


RECORDED = ("portal", "product_code", "device_id", "plant_id", "plant_name", "installed_on", "postcode", "country",
            "data_received_at", "number_entered_at", "transfer", "reason", "detail", "registration_id", "message_data")


def _record(company_id, sightings, known, results, now, stats):
    """Write what changed, nothing else: an unchanged device costs no write."""
    new, changed = [], []
    for serial, (transfer, reason, detail, registration_id, *message) in results.items():
        sighting = sightings[serial]
        facts = {
            "portal": sighting.portal, "product_code": sighting.product[:64], "device_id": sighting.device_id[:64],
            "plant_id": sighting.plant_id[:64], "plant_name": sighting.plant_name[:100], "installed_on": sighting.installed_on,
            "postcode": sighting.postcode[:16], "country": sighting.country[:2],
            "data_received_at": sighting.data_received_at, "number_entered_at": sighting.number_entered_at,
            "transfer": transfer, "reason": reason or "", "detail": (detail or "")[:300],
            "registration_id": registration_id, "message_data": message[0] if message else {},
        }
        if transfer == Transfer.REGISTERED:
            stats.registered += 1
        else:
            stats.skipped[transfer] += 1
        previous = known.get(serial)
        if previous is None:
            new.append(PortalDevice(company_id=company_id, serial=serial, first_seen_at=now, changed_at=now, **facts))
        elif any(getattr(previous, name) != value for name, value in facts.items()):
            for name, value in facts.items():
                setattr(previous, name, value)
            previous.changed_at = now
            changed.append(previous)
        else:
            stats.unchanged += 1
    if new:
        PortalDevice.objects.bulk_create(new, batch_size=500)
    if changed:
        PortalDevice.objects.bulk_update(changed, [*RECORDED, "changed_at"], batch_size=500)
