"""Registering devices: from the rows an installer sends (the form, an upload, the portal
sync, the API) to registrations with their first status, decided by the rules.

One path for one device or 100,000: the facts are gathered in a few queries, each row is
decided by the pure rules engine, and everything is written in one transaction, with a
history row per registration (registrations.core.transitions).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import attrgetter

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cashback.bulk import Same, insert_made
from cashback.dates import end_of_day
from cashback.errors import DomainError, Message
from cashback.formatting import quoted
from devices.models import Campaign, CampaignProduct, KnownDevice, ProductModel
from devices.serials import check_serial_length, normalize_serial

from ..companies import addresses
from ..companies.models import Company
from . import signals, transitions, validation
from .choices import CLAIM_STATUSES, CORRECTABLE_REASONS, Reason, Status
from .errors import DuplicateRegistration, NotEnrolled, UnknownProduct
from .models import Registration
from .moves import NEW, Transition
from .rows import DeviceRow
from .rules import Decision, Facts, decide
from .tallies import CompanyTally


@dataclass(slots=True)
class CleanRow:
    serial: str
    product: ProductModel
    installed_on: date
    postcode: str
    country: str
    reference: str


@dataclass(slots=True)
class RowOutcome:
    """What became of one row: an error (nothing written for it) or a decision.

    Light on purpose: an upload holds 100,000 of them. `registration` loads (or, for a dry
    run, builds) the model object when a caller wants one.
    """

    row: DeviceRow
    error: DomainError | None = None
    clean: CleanRow | None = None
    decision: Decision | None = None
    campaign: Campaign | None = None
    documents_due_at: datetime | None = None
    registration_id: int | None = None
    known_device_id: int | None = None
    resubmitted: bool = False
    _registration: Registration | None = None

    @property
    def ok(self):
        return self.error is None

    @property
    def registration(self):
        if self._registration is None and self.decision is not None:
            if self.registration_id is not None:
                self._registration = Registration.objects.with_display_relations().get(pk=self.registration_id)
            else:
                self._registration = Registration(
                    campaign=self.campaign, serial=self.clean.serial, product=self.clean.product,
                    installed_on=self.clean.installed_on, postcode=self.clean.postcode, country=self.clean.country,
                    reference=self.clean.reference, status=self.decision.status, reason=self.decision.reason,
                    reason_params=self.decision.params, amount_cents=self.decision.amount_cents,
                    documents_due_at=self.documents_due_at,
                )
        return self._registration


def documents_deadline(now, days):
    """Documents are due by the end of the local day, `days` days from now."""
    return end_of_day(timezone.localdate(now) + timedelta(days=days))


def register_device(
    *, company, serial, product_code, installed_on, postcode, country, source,
    user=None, reference="", job="",
):
    """Register one device from any source and return the Registration.

    Raises DuplicateRegistration when the company already registered the serial (nothing
    changes), NotEnrolled, or InvalidInput/InvalidSerial/UnknownProduct for bad values.
    """
    row = DeviceRow(serial, product_code, installed_on, postcode, country, reference)
    [outcome] = register_devices(company=company, rows=[row], source=source, user=user, job=job)
    if outcome.error:
        raise outcome.error
    return outcome.registration


def register_devices(*, company, rows, source, user=None, job="", progress=None):
    """Decide and save many rows, all in one transaction; one RowOutcome per row, in order.

    Row-level problems (bad values, duplicates) are reported in the outcome and do not stop
    the other rows. A serial the company registered before is a duplicate, unless that earlier
    attempt was refused for something the installer can fix: then it is decided again. The
    number of SQL queries does not depend on the number of rows on PostgreSQL;
    `progress(done, total)` is called as rows are decided.
    """
    return _register(company, rows, progress, source=source, user=user, job=job)


def decide_devices(*, company, rows, source, user=None, job="", progress=None):
    """What register_devices() would make of the rows, without writing anything: the preview
    of an upload."""
    registrar = _Registrar(company, _enrolled_campaigns(company), source, user, job, dry_run=True)
    return registrar.run(rows, progress)


def register_eligible_devices(*, company, rows, source, job):
    """Register only the rows the rules accept or ask documents for, and never decide again a
    serial the company registered before, even a refused one: the monitoring-portal sync, which
    must not rewrite what an installer entered. Refused rows are decided but not saved."""
    return _register(company, rows, None, source=source, user=None, job=job, keep_refused=False, correct_own=False)


def _enrolled_campaigns(company):
    campaigns = list(
        Campaign.objects.filter(enrolments__company=company, is_active=True).order_by("-installation_starts_on")
    )
    if not campaigns:
        raise NotEnrolled(_("Your company is not enrolled in the campaign yet."))
    return campaigns


def _register(company, rows, progress, **options):
    campaigns = _enrolled_campaigns(company)
    # A retry: a concurrent request may have inserted the same serial between our read and our
    # write (the next pass sees it and decides accordingly), or two registrations that share
    # tally rows may have waited for each other (PostgreSQL chose this one to give way).
    for attempt in (1, 2, 3):
        try:
            with transaction.atomic():
                return _Registrar(company, campaigns, **options).run(rows, progress)
        except IntegrityError:
            if attempt == 3:
                raise
        except OperationalError as error:
            if attempt == 3 or getattr(error.__cause__, "pgcode", None) != DEADLOCK_DETECTED:
                raise


DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
# A campaign's limits and the share of its budget it warned about.
_LIMITS = (*Campaign.LIMITS, "budget_warned_percent")
# What the facts queries load of an existing registration of the same serial.
_EXISTING = ("id", "company_id", "status", "reason", "product_id", "installed_on", "created_at", "status_changed_at")
_PROGRESS_EVERY = 5000
_NO_LIMITS = {}  # the facts of a campaign without limits (never changed)


class _Registrar:
    """Gathers the facts for the rows in a few queries, decides each row and writes them.

    One instance serves all chunks of a call, so duplicates and volume counts carry over from
    chunk to chunk. PostgreSQL takes all rows in one chunk; SQLite in chunks that stay within
    its limit of parameters per statement.
    """

    max_chunk = None  # rows per chunk when set (tests use it to exercise chunking)

    def __init__(self, company, campaigns, source, user, job, *, dry_run=False, keep_refused=True, correct_own=True):
        self.company = company
        self.keep_refused = keep_refused
        self.correct_own = correct_own
        self.campaigns = campaigns
        self.source = source
        self.user_id = user.pk if user is not None and user.is_authenticated else None
        self.job = job
        self.dry_run = dry_run
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.products = ProductModel.by_lookup_key()
        self.products_by_id = {p.pk: p for p in self.products.values()}
        self.campaign_products = {
            (cp.campaign_id, cp.product_id): cp for cp in CampaignProduct.objects.filter(campaign__in=campaigns)
        }
        self.seen = set()
        # The campaigns' locks first, then the company's (_volumes): one order for everyone.
        self.left = self._limits()
        self.volume = self._volumes()
        self.budget_spent = set()  # campaigns whose budget refused a row of this call
        # Caches of repeated work: an upload has thousands of rows with the same few values.
        self._campaign_for, self._due, self._product_for, self._country_for = {}, {}, {}, {}
        self.company_pk = company.pk

    def run(self, rows, progress=None):
        size = self.max_chunk or (len(rows) if connection.vendor == "postgresql" else 2000)
        outcomes = []
        for start in range(0, len(rows), size or 1):
            outcomes += self._chunk(rows[start : start + size], start, len(rows), progress)
        if progress:
            progress(len(rows), len(rows))
        return outcomes

    def _chunk(self, rows, offset, total, progress):
        cleaned = [self._clean(row) for row in rows]
        # A set, not a list: Django walks lists value by value when it builds a lookup.
        serials = {c.serial for c in cleaned if isinstance(c, CleanRow)}

        known = KnownDevice.objects.filter(serial__any=serials)
        if not self.dry_run:
            # Lock the maker's rows of these serials: two requests for the same serial are
            # decided one after the other, so only one of them can be accepted.
            known = known.select_for_update(of=("self",)).order_by("serial")
        known = {serial: (pk, product_id) for serial, pk, product_id in known.values_list("serial", "pk", "product_id")}

        existing = defaultdict(list)
        for values in Registration.objects.filter(serial__any=serials).order_by("id").values_list("serial", *_EXISTING):
            existing[values[0]].append(dict(zip(_EXISTING, values[1:])))

        outcomes, new, resubmitted = [], [], []

        def decided():
            """Decides every row, in order; yields each new registration as it is decided."""
            for index, (row, clean) in enumerate(zip(rows, cleaned)):
                if progress and (offset + index) % _PROGRESS_EVERY == 0:
                    progress(offset + index, total)
                if isinstance(clean, DomainError):
                    outcomes.append(RowOutcome(row, error=clean))
                    continue
                outcome = self._decide(row, clean, known, existing.get(clean.serial, ()), new, resubmitted)
                outcomes.append(outcome)
                if new and new[-1] is outcome:  # _decide put it there: a new registration
                    yield outcome

        if self.dry_run:
            for _outcome in decided():
                pass  # a preview decides and writes nothing
        else:
            # The rows are inserted as they are decided (no query may run in between). Each new
            # registration is a serial of these rows that the company has not registered (a
            # serial comes once; its second row is a duplicate): that many keys at most.
            at_most = len(serials) - sum(
                any(r["company_id"] == self.company_pk for r in regs) for regs in existing.values())
            self._write(decided(), at_most, new, resubmitted)
            self._warn_about_budgets()
        return outcomes

    def _decide(self, row, clean, known, existing, new, resubmitted):
        serial, product = clean.serial, clean.product
        if serial in self.seen:
            return RowOutcome(row, error=DuplicateRegistration(serial=serial, in_batch=True))
        self.seen.add(serial)
        campaign = self._pick_campaign(product, clean.installed_on)
        known_device = known.get(serial)
        own = [r for r in existing if r["company_id"] == self.company_pk] if existing else ()
        decision = decide(Facts(
            serial=serial,
            product=product,
            known_product=self.products_by_id[known_device[1]] if known_device else None,
            campaign=campaign,
            campaign_product=self.campaign_products.get((campaign.id, product.id)),
            installed_on=clean.installed_on,
            registered_on=self.today,
            claimed_by_other_company=bool(existing) and any(
                r["status"] in CLAIM_STATUSES for r in existing if r["company_id"] != self.company_pk
            ),
            company_volume=self.volume[campaign.id],
            **self.left.get(campaign.id, _NO_LIMITS),
        ))
        if own and not (self.correct_own and self._may_resubmit(own[0], clean, decision)):
            previous = own[0]
            return RowOutcome(row, clean=clean, error=DuplicateRegistration(
                serial=serial, registered_at=previous["created_at"], registration_id=previous["id"],
                refused_for=previous["reason"] if previous["status"] == Status.NOT_REGISTRABLE else "",
                refused_at=previous["status_changed_at"],
            ))
        if decision.reason == Reason.BUDGET_USED_UP:
            self.budget_spent.add(campaign.id)
        if decision.status == Status.NOT_REGISTRABLE and not self.keep_refused:
            return RowOutcome(row, clean=clean, decision=decision, campaign=campaign)
        if decision.status != Status.NOT_REGISTRABLE:
            self.volume[campaign.id] += 1
            self._hold(campaign, decision.amount_cents or 0)
        outcome = RowOutcome(
            row, clean=clean, decision=decision, campaign=campaign, resubmitted=bool(own),
            known_device_id=known_device[0] if known_device else None,
            documents_due_at=self._due_at(campaign) if decision.needs_documents else None,
        )
        if own:
            outcome.registration_id = own[0]["id"]
            resubmitted.append((outcome, own[0]["status"]))
        else:
            new.append(outcome)
        return outcome

    def _write(self, decided, at_most, new, resubmitted):
        """Insert the new registrations as `decided` yields them, then their history rows, then
        update the resubmitted ones (all known by then)."""
        ids = insert_made(Registration, {  # each column as it is read from a new RowOutcome
            "company_id": Same(self.company_pk),
            "campaign_id": attrgetter("campaign.id"),
            "serial": attrgetter("clean.serial"),
            "product_id": attrgetter("clean.product.id"),
            "known_device_id": attrgetter("known_device_id"),
            "installed_on": attrgetter("clean.installed_on"),
            "postcode": attrgetter("clean.postcode"),
            "country": attrgetter("clean.country"),
            "reference": attrgetter("clean.reference"),
            "source": Same(self.source),
            "status": attrgetter("decision.status"),
            "reason": attrgetter("decision.reason"),
            "reason_params": attrgetter("decision.params"),
            "note": Same(""),
            "amount_cents": attrgetter("decision.amount_cents"),
            "documents_due_at": attrgetter("documents_due_at"),
            "created_at": Same(self.now),
            "created_by_id": Same(self.user_id),
            "status_changed_at": Same(self.now),
        }, decided, at_most=at_most)
        for outcome, pk in zip(new, ids):
            outcome.registration_id = pk
        history = {"actor_id": self.user_id, "job": self.job, "now": self.now}
        transitions.record_history(
            Transition.DECIDE, ids, from_status=NEW, to_status=[o.decision.status for o in new],
            reason=[o.decision.reason for o in new], **history,
        )
        if resubmitted:
            # Recorded (and so checked against the table of moves) before the rows change.
            transitions.record_history(
                Transition.DECIDE_AGAIN, [o.registration_id for o, _old in resubmitted],
                from_status=[old for _outcome, old in resubmitted],
                to_status=[o.decision.status for o, _old in resubmitted], reason=Reason.CORRECTED, **history,
            )
            self._resubmit(resubmitted)
        changed = new + [outcome for outcome, _old in resubmitted]
        signals.documents_needed.send(sender=Registration, registrations=[
            (self.company_pk, o.registration_id) for o in changed if o.decision.status == Status.MORE_INFO
        ])

    def _columns(self, outcome):
        """A registration's decided fields, for the few registrations updated in place."""
        clean, decision = outcome.clean, outcome.decision
        return {
            "campaign_id": outcome.campaign.pk, "serial": clean.serial, "product_id": clean.product.pk,
            "known_device_id": outcome.known_device_id, "installed_on": clean.installed_on,
            "postcode": clean.postcode, "country": clean.country, "reference": clean.reference,
            "status": decision.status, "reason": decision.reason, "reason_params": decision.params, "note": "",
            "amount_cents": decision.amount_cents, "documents_due_at": outcome.documents_due_at,
            "status_changed_at": self.now,
        }

    def _resubmit(self, resubmitted):
        registrations = Registration.objects.in_bulk([o.registration_id for o, _old in resubmitted])
        fields = None
        for outcome, _old in resubmitted:
            values = self._columns(outcome)
            fields = [name.removesuffix("_id") for name in values]
            for name, value in values.items():
                setattr(registrations[outcome.registration_id], name, value)
        Registration.objects.bulk_update(registrations.values(), fields)

    def _clean(self, row):
        try:
            product = self._product_for.get(row.product_code)
            if product is None:
                product = self._product_for[row.product_code] = self.products.get(
                    ProductModel.lookup_key(row.product_code)
                )
            if product is None:
                raise UnknownProduct(
                    Message(gettext_lazy("Product type “%(code)s” is unknown. Choose one of the campaign's "
                                         "product types."), code=quoted(row.product_code)),
                    field="product",
                )
            serial = normalize_serial(row.serial)
            if len(serial) != product.family.serial_length:
                check_serial_length(serial, product.family)
            country = self._country_for.get(row.country) or addresses.normalize_country(row.country)
            self._country_for[row.country] = country
            return CleanRow(
                serial,
                product,
                validation.check_installation_date(row.installed_on, self.today),
                addresses.normalize_postcode(row.postcode, country),
                country,
                validation.clean_reference(row.reference),
            )
        except DomainError as error:
            return error.with_traceback(None)  # kept with the row: without its frames

    def _volumes(self):
        volume = defaultdict(int)
        counted = [c for c in self.campaigns if c.volume_check_threshold is not None]
        if counted and not self.dry_run:
            # One company's batches are decided one after the other, so two at once cannot
            # both stay under the threshold.
            list(Company.objects.select_for_update().filter(pk=self.company.pk).values_list("pk"))
        for campaign in counted:
            volume[campaign.pk] = (
                Registration.objects.filter(
                    company=self.company, campaign=campaign, created_at__gte=campaign.volume_window_start(self.now)
                )
                .exclude(status=Status.NOT_REGISTRABLE)
                .aggregate(n=Count("id"))["n"]
            )
        return volume

    def _limits(self):
        """What is left of each limited campaign's budget and of this company's share, as facts
        for the rules ({campaign id: {Facts field: left}}).

        Registering locks its campaigns' rows first (_current_limits): for a campaign with a
        budget or a limit every upload, form, API call and sync that could spend it takes its
        turn, so two of them can never both spend the last euros. The limits and what is
        committed are read after the lock; what is committed from the tally, which the database
        keeps equal to the registrations that hold an amount (rejected and expired ones give
        theirs back by leaving those statuses)."""
        # The limits as they are now (a budget set a moment ago counts), not as first read.
        now = self._current_limits([c.pk for c in self.campaigns])
        for campaign in self.campaigns:
            for name, value in now[campaign.pk].items():
                setattr(campaign, name, value)
        limited = [c for c in self.campaigns if c.has_limits]
        if not limited:
            return {}
        if not self.dry_run:
            list(Company.objects.select_for_update().filter(pk=self.company.pk).values_list("pk"))
        held = CompanyTally.objects.filter(campaign__in=limited, status__in=CLAIM_STATUSES)
        in_all = dict(held.values("campaign").annotate(cents=Sum("amount_cents")).values_list("campaign", "cents"))
        own = {row["campaign"]: row for row in held.filter(company=self.company).values("campaign").annotate(
            devices=Sum("registrations"), cents=Sum("amount_cents"))}
        left = {}
        for campaign in limited:
            mine = own.get(campaign.pk, {})
            facts = left[campaign.pk] = {}
            if campaign.budget_cents is not None:
                facts["budget_left_cents"] = campaign.budget_cents - (in_all.get(campaign.pk) or 0)
            if campaign.company_cap_devices is not None:
                facts["company_devices_left"] = campaign.company_cap_devices - (mine.get("devices") or 0)
            if campaign.company_cap_cents is not None:
                facts["company_cents_left"] = campaign.company_cap_cents - (mine.get("cents") or 0)
        return left

    def _current_limits(self, ids):
        """{campaign id: its limits}, read under the campaigns' locks when registering.

        A campaign with limits is registered for by one transaction at a time (FOR NO KEY
        UPDATE: foreign-key checks on the row still pass); every other registering shares its
        campaigns' rows (FOR SHARE), so a budget set meanwhile waits until it has committed.
        The locking reads return the rows as they are, locked. In the campaigns' order, limited
        ones first. SQLite lets one writer in at a time anyway, and a preview locks nothing."""
        read = {row.pop("id"): row for row in Campaign.objects.filter(pk__in=ids).values("id", *_LIMITS)}
        if self.dry_run or connection.vendor != "postgresql":
            return read
        limited = [pk for pk, row in read.items() if any(row[name] is not None for name in Campaign.LIMITS)]
        shared = [pk for pk in read if pk not in limited]
        with connection.cursor() as cursor:
            for pks, mode in ((sorted(limited), "NO KEY UPDATE"), (sorted(shared), "SHARE")):
                if pks:
                    cursor.execute(f"SELECT id, {', '.join(_LIMITS)} FROM devices_campaign WHERE id = ANY(%s) "
                                   f"ORDER BY id FOR {mode}", [pks])
                    read.update({pk: dict(zip(_LIMITS, values)) for pk, *values in cursor.fetchall()})
        return read

    def _warn_about_budgets(self):
        """The campaign team hears once when a budget is 90% committed, and once when it is used
        up (committed in full, or too little left for a row)."""
        for campaign in self.campaigns:
            left = self.left.get(campaign.id, {}).get("budget_left_cents")
            if left is None or not campaign.budget_cents:
                continue
            used = (campaign.budget_cents - left) / campaign.budget_cents
            percent = 100 if used >= 1 or campaign.id in self.budget_spent else 90 if used >= 0.9 else 0
            if percent and Campaign.objects.filter(pk=campaign.pk, budget_warned_percent__lt=percent).update(
                    budget_warned_percent=percent):
                signals.budget_used.send(sender=Campaign, campaign_id=campaign.pk, percent=percent)

    def _hold(self, campaign, cents):
        """A decision that holds an amount spends it from what is left for the next rows."""
        facts = self.left.get(campaign.id)
        if not facts:
            return
        for name, spent in (("budget_left_cents", cents), ("company_devices_left", 1), ("company_cents_left", cents)):
            if name in facts:
                facts[name] -= spent

    def _pick_campaign(self, product, installed_on):
        """The enrolled campaign this installation belongs to (newest first on overlap)."""
        key = (product.id, installed_on)
        if key not in self._campaign_for:
            in_period = [c for c in self.campaigns if c.installed_in_period(installed_on)]
            eligible = [c for c in in_period if (c.pk, product.pk) in self.campaign_products]
            self._campaign_for[key] = (eligible or in_period or self.campaigns)[0]
        return self._campaign_for[key]

    def _due_at(self, campaign):
        if campaign.id not in self._due:
            self._due[campaign.id] = documents_deadline(self.now, campaign.document_deadline_days)
        return self._due[campaign.id]

    @staticmethod
    def _may_resubmit(previous, clean, decision):
        """A refused registration with a fixable reason is decided anew when something changed."""
        if previous["status"] != Status.NOT_REGISTRABLE or previous["reason"] not in CORRECTABLE_REASONS:
            return False
        same_input = previous["product_id"] == clean.product.pk and previous["installed_on"] == clean.installed_on
        same_outcome = (previous["status"], previous["reason"]) == (decision.status, decision.reason)
        return not (same_input and same_outcome)
