"""Writes to registrations: registering devices and every status transition.

Each transition checks the current status, runs in one transaction, records a StatusChange
and raises a domain error when the move is not allowed. Views, the admin, the API and the
Celery tasks call these functions and nothing else to change a registration.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from cashback.bulk import Same, insert_rows
from cashback.errors import DomainError
from devices.models import Campaign, CampaignProduct, KnownDevice, ProductModel
from devices.serials import check_serial_length, normalize_serial

from . import outbox, validation
from .choices import CLAIM_STATUSES, CORRECTABLE_REASONS, Reason, Status, SystemJob
from .errors import (
    DuplicateRegistration,
    InvalidInput,
    InvalidTransition,
    NotEnrolled,
    SerialAlreadyAccepted,
    UnknownProduct,
)
from .models import Company, Registration, StatusChange
from .rules import Decision, Facts, decide


@dataclass(slots=True)
class DeviceRow:
    """One device as an installer submits it, before cleaning."""

    serial: str
    product_code: str
    installed_on: date | None
    postcode: str
    country: str
    reference: str = ""


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
    due_day = timezone.localtime(now).date() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(due_day + timedelta(days=1), time.min))


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


def register_devices(*, company, rows, source, user=None, job="", dry_run=False, progress=None,
                     keep_refused=True, correct_own=True):
    """Decide and (unless dry_run) save many rows, all in one transaction.

    Returns one RowOutcome per row, in order. Row-level problems (bad values, duplicates)
    are reported in the outcome and do not stop the other rows. With dry_run nothing is
    written: that is the preview of an upload. With keep_refused=False rows the rules refuse
    are decided but not saved (the portal sync registers only what meets the conditions); with
    correct_own=False a serial the company registered before is always a duplicate, even a
    refused one (the portal sync never rewrites what an installer entered). The number of SQL queries does not depend on
    the number of rows on PostgreSQL; `progress(done, total)` is called as rows are decided.
    """
    campaigns = list(
        Campaign.objects.filter(enrolments__company=company, is_active=True).order_by("-installation_starts_on")
    )
    if not campaigns:
        raise NotEnrolled(_("Your company is not enrolled in the campaign yet."))
    if dry_run:
        return _Registrar(company, campaigns, source, user, job, dry_run=True).run(rows, progress)
    # One retry: a concurrent request may have inserted the same serial between our read and
    # our write; the second pass sees it and decides accordingly.
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                return _Registrar(
                    company, campaigns, source, user, job, keep_refused=keep_refused, correct_own=correct_own
                ).run(rows, progress)
        except IntegrityError:
            if attempt == 2:
                raise


# What the facts queries load of an existing registration of the same serial.
_EXISTING = ("id", "company_id", "status", "reason", "product_id", "installed_on", "created_at")
_PROGRESS_EVERY = 5000


class _Registrar:
    """Gathers the facts for the rows in a few queries, decides each row and writes them.

    One instance serves all chunks of a call, so duplicates and volume counts carry over from
    chunk to chunk. PostgreSQL takes all rows in one chunk; SQLite in chunks that stay within
    its limit of parameters per statement.
    """

    max_chunk = None  # rows per chunk when set (tests use it to exercise chunking)

    def __init__(self, company, campaigns, source, user, job, dry_run=False, keep_refused=True, correct_own=True):
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
        self.volume = self._volumes()
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
        for index, (row, clean) in enumerate(zip(rows, cleaned)):
            if progress and (offset + index) % _PROGRESS_EVERY == 0:
                progress(offset + index, total)
            if isinstance(clean, DomainError):
                outcomes.append(RowOutcome(row, error=clean))
                continue
            outcomes.append(self._decide(row, clean, known, existing.get(clean.serial, ()), new, resubmitted))
        if not self.dry_run:
            self._write(new, resubmitted)
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
        ))
        if own and not (self.correct_own and self._may_resubmit(own[0], clean, decision)):
            previous = own[0]
            return RowOutcome(row, clean=clean, error=DuplicateRegistration(
                serial=serial, registered_at=previous["created_at"], registration_id=previous["id"],
            ))
        if decision.status == Status.NOT_REGISTRABLE and not self.keep_refused:
            return RowOutcome(row, clean=clean, decision=decision, campaign=campaign)
        if decision.status != Status.NOT_REGISTRABLE:
            self.volume[campaign.id] += 1
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

    def _write(self, new, resubmitted):
        campaigns = {o.campaign.id for o in new}
        ids = insert_rows(Registration, {
            "company_id": Same(self.company_pk),
            "campaign_id": Same(campaigns.pop()) if len(campaigns) == 1 else [o.campaign.id for o in new],
            "serial": [o.clean.serial for o in new],
            "product_id": [o.clean.product.id for o in new],
            "known_device_id": [o.known_device_id for o in new],
            "installed_on": [o.clean.installed_on for o in new],
            "postcode": [o.clean.postcode for o in new],
            "country": [o.clean.country for o in new],
            "reference": [o.clean.reference for o in new],
            "source": Same(self.source),
            "status": [o.decision.status for o in new],
            "reason": [o.decision.reason for o in new],
            "reason_params": [o.decision.params for o in new],
            "note": Same(""),
            "amount_cents": [o.decision.amount_cents for o in new],
            "documents_due_at": [o.documents_due_at for o in new],
            "created_at": Same(self.now),
            "created_by_id": Same(self.user_id),
            "status_changed_at": Same(self.now),
        }, count=len(new), return_ids=True)
        for outcome, pk in zip(new, ids):
            outcome.registration_id = pk
        if resubmitted:
            self._resubmit(resubmitted)
        changed = new + [outcome for outcome, _old in resubmitted]
        outbox.documents_needed(
            (self.company_pk, o.registration_id) for o in changed if o.decision.status == Status.MORE_INFO
        )
        insert_rows(StatusChange, {
            "registration_id": [o.registration_id for o in changed],
            "from_status": [""] * len(new) + [old for _outcome, old in resubmitted],
            "to_status": [o.decision.status for o in changed],
            "reason": [o.decision.reason for o in new] + [Reason.CORRECTED] * len(resubmitted),
            "actor_id": Same(self.user_id),
            "job": Same(self.job),
            "note": Same(""),
            "created_at": Same(self.now),
        }, count=len(changed))

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
                    _("Product type “%(code)s” is unknown. Choose one of the campaign's product types.")
                    % {"code": row.product_code},
                    field="product",
                )
            serial = normalize_serial(row.serial)
            if len(serial) != product.family.serial_length:
                check_serial_length(serial, product.family)
            country = self._country_for.get(row.country) or validation.normalize_country(row.country)
            self._country_for[row.country] = country
            return CleanRow(
                serial,
                product,
                validation.check_installation_date(row.installed_on, self.today),
                validation.normalize_postcode(row.postcode, country),
                country,
                validation.clean_reference(row.reference),
            )
        except DomainError as error:
            return error

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


# Status transitions after the first decision -------------------------------------------


def _transition(
    registration, *, allowed_from, to, reason, actor=None, job="", note="", now=None, guard=None, **fields
):
    """Move a registration to another status; `guard` re-checks a condition under the row lock."""
    now = now or timezone.now()
    with transaction.atomic():
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.status not in allowed_from:
            raise InvalidTransition(
                _("This registration is “%(status)s” and cannot be changed this way.")
                % {"status": Status(current.status).label}
            )
        if guard:
            guard(current)
        from_status = current.status
        current.status = to
        current.reason = reason
        current.note = note
        current.status_changed_at = now
        for name, value in fields.items():
            setattr(current, name, value)
        try:
            with transaction.atomic():
                current.save()
        except IntegrityError:
            if to in (Status.ACCEPTED, Status.PAID):
                raise SerialAlreadyAccepted(
                    _("Serial number %(serial)s is already accepted for another registration.")
                    % {"serial": current.serial}
                ) from None
            raise
        current.last_change = StatusChange.objects.create(
            registration=current, from_status=from_status, to_status=to, reason=reason,
            actor=actor if actor and actor.is_authenticated else None, job=job, note=note, created_at=now,
        )
    registration.refresh_from_db()
    return current


def _require_note(note):
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Write the reason; the installer will read it."), field="note")
    return note


def request_documents(registration, *, actor, note):
    """Staff ask for documents: an audit of an accepted registration, or asking again after review."""
    now = timezone.now()

    def not_being_paid(current):
        from .payouts import in_live_batch

        item = in_live_batch(current)
        if item is not None:
            raise InvalidTransition(
                _("This registration is in payout batch %(reference)s; it can be audited once that batch is "
                  "cancelled.") % {"reference": item.batch.reference}
            )

    with transaction.atomic():
        changed = _transition(
            registration,
            allowed_from=(Status.ACCEPTED, Status.IN_REVIEW),
            to=Status.MORE_INFO,
            reason=Reason.DOCUMENTS_REQUESTED,
            actor=actor,
            note=_require_note(note),
            now=now,
            guard=not_being_paid,
            documents_due_at=documents_deadline(now, registration.campaign.document_deadline_days),
            reminders_sent=[],
        )
        outbox.documents_needed([(changed.company_id, changed.pk)])
    return changed


def mark_documents_received(registration, *, actor):
    return _transition(
        registration,
        allowed_from=(Status.MORE_INFO,),
        to=Status.IN_REVIEW,
        reason=Reason.DOCUMENTS_RECEIVED,
        actor=actor,
    )


def approve(registration, *, actor, note=""):
    def has_amount(current):
        if current.amount_cents is None:
            raise InvalidTransition(_("This registration has no cashback amount and cannot be approved."))

    with transaction.atomic():
        changed = _transition(
            registration,
            allowed_from=(Status.MORE_INFO, Status.IN_REVIEW),
            to=Status.ACCEPTED,
            reason=Reason.APPROVED,
            actor=actor,
            note=(note or "").strip(),
            guard=has_amount,
            documents_due_at=None,
        )
        outbox.decided(changed.last_change)
    return changed


def reject(registration, *, actor, note):
    with transaction.atomic():
        changed = _transition(
            registration,
            allowed_from=(Status.MORE_INFO, Status.IN_REVIEW),
            to=Status.NOT_REGISTRABLE,
            reason=Reason.REJECTED,
            actor=actor,
            note=_require_note(note),
            documents_due_at=None,
            amount_cents=None,
        )
        outbox.decided(changed.last_change)
    return changed


def expire_document_deadline(registration, *, now=None):
    now = now or timezone.now()

    def deadline_passed(current):
        if current.documents_due_at is None or current.documents_due_at > now:
            raise InvalidTransition(_("The document deadline has not passed yet."))

    return _transition(
        registration,
        allowed_from=(Status.MORE_INFO,),
        to=Status.NOT_REGISTRABLE,
        reason=Reason.DEADLINE_EXPIRED,
        job=SystemJob.DEADLINE_JOB,
        now=now,
        guard=deadline_passed,
        amount_cents=None,
    )


def add_documents(registration, *, files, user, now=None):
    """The installer's proof: store the files and, if documents were awaited, move the
    registration to "in review" (the deadline stops counting). `files` is [(kind, file)].

    Every file is checked before anything is stored: one bad file refuses them all. The
    status and the deadline are checked again under the row lock, so a double click, a
    colleague's upload or a decision taken meanwhile cannot leave documents nobody reviews.
    """
    from .documents import inspect
    from .models import Document

    now = now or timezone.now()
    _check_accepts_documents(registration, now)  # before any work on the files
    checked = [(kind, upload, inspect(upload)) for kind, upload in files]
    if not checked:
        raise InvalidInput(_("Choose at least one file."), field="files")
    documents = []
    try:
        for kind, upload, facts in checked:
            document = Document(
                registration=registration, kind=kind, original_name=(upload.name or "document")[-255:],
                content_type=facts.content_type, size=facts.size, sha256=facts.sha256,
                uploaded_by=user if user is not None and user.is_authenticated else None,
            )
            document.file.save(upload.name or "document", upload, save=False)
            documents.append(document)
        with transaction.atomic():
            current = Registration.objects.select_for_update().get(pk=registration.pk)
            _check_accepts_documents(current, now)
            for document in documents:
                document.registration = current
                document.save()
            if current.status == Status.MORE_INFO:
                _transition(current, allowed_from=(Status.MORE_INFO,), to=Status.IN_REVIEW,
                            reason=Reason.DOCUMENTS_RECEIVED, actor=user, now=now)
    except Exception:
        for document in documents:
            document.file.delete(save=False)  # nothing points at them any more
        raise
    registration.refresh_from_db()
    return documents


def _check_accepts_documents(registration, now):
    if registration.status not in (Status.MORE_INFO, Status.IN_REVIEW):
        raise InvalidTransition(
            _("Documents can be added while more information is needed or the registration is in review.")
        )
    if not registration.accepts_documents(now):
        from .wording import documents_due_day, format_day

        raise InvalidTransition(
            _("The deadline for documents was %(day)s. Contact the campaign team if you think this is wrong.")
            % {"day": format_day(documents_due_day(registration))}
        )

