"""Writes to registrations: registering devices and every status transition.

Each transition checks the current status, runs in one transaction, records a StatusChange
and raises a domain error when the move is not allowed. Views, the admin, the API and the
Celery tasks call these functions and nothing else to change a registration.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from cashback.errors import DomainError
from devices.models import Campaign, CampaignProduct, KnownDevice, ProductModel
from devices.serials import check_serial_length, normalize_serial

from . import validation
from .choices import CLAIM_STATUSES, CORRECTABLE_REASONS, Reason, Status, SystemJob
from .messages import format_day
from .errors import (
    DuplicateRegistration,
    InvalidInput,
    InvalidTransition,
    NotEnrolled,
    SerialAlreadyAccepted,
    UnknownProduct,
)
from .models import Registration, StatusChange
from .rules import Facts, decide

# Rows are looked up in chunks so that a 50,000-row upload stays within the parameter limits
# of every database (SQLite allows 32,766 per statement).
CHUNK_SIZE = 2000


@dataclass
class DeviceRow:
    """One device as an installer submits it, before cleaning."""

    serial: str
    product_code: str
    installed_on: date | None
    postcode: str
    country: str
    reference: str = ""


@dataclass
class RowOutcome:
    row: DeviceRow
    registration: Registration | None = None
    error: DomainError | None = None
    resubmitted: bool = False

    @property
    def ok(self):
        return self.error is None


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


def register_devices(*, company, rows, source, user=None, job="", dry_run=False):
    """Decide and (unless dry_run) save many rows with a constant number of queries per chunk.

    Returns one RowOutcome per row, in order. Row-level problems (bad values, duplicates)
    are reported in the outcome and do not stop the other rows. With dry_run nothing is
    written and the returned registrations are unsaved: that is the preview of an upload.
    """
    campaigns = list(
        Campaign.objects.filter(enrolments__company=company, is_active=True).order_by(
            "-installation_starts_on"
        )
    )
    if not campaigns:
        raise NotEnrolled(_("Your company is not enrolled in the campaign yet."))
    outcomes = []
    for start in range(0, len(rows), CHUNK_SIZE):
        chunk = rows[start : start + CHUNK_SIZE]
        if dry_run:
            outcomes += _Batch(company, campaigns, source, user, job, dry_run=True).run(chunk)
            continue
        # One retry: a concurrent request may have inserted the same serial between our read
        # and our write; the second pass sees it and decides accordingly.
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    outcomes += _Batch(company, campaigns, source, user, job).run(chunk)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
    return outcomes


class _Batch:
    """Gathers the facts for a chunk of rows in a few queries, decides each row, saves."""

    def __init__(self, company, campaigns, source, user, job, dry_run=False):
        self.company = company
        self.campaigns = campaigns
        self.source = source
        self.user = user if user and user.is_authenticated else None
        self.job = job
        self.dry_run = dry_run
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)

    def run(self, rows):
        products = {
            validation.product_key(p.code): p for p in ProductModel.objects.select_related("family")
        }
        cleaned = [self._clean(row, products) for row in rows]
        serials = sorted({c["serial"] for c in cleaned if "serial" in c})

        known = KnownDevice.objects.filter(serial__in=serials).select_related("product")
        if not self.dry_run:
            # Lock the maker's rows of these serials: two requests for the same serial are
            # decided one after the other, so only one of them can be accepted.
            known = known.select_for_update(of=("self",)).order_by("serial")
        known = {k.serial: k for k in known}

        existing = defaultdict(list)
        for reg in Registration.objects.filter(serial__in=serials).order_by("id"):
            existing[reg.serial].append(reg)

        campaign_products = {
            (cp.campaign_id, cp.product_id): cp
            for cp in CampaignProduct.objects.filter(campaign__in=self.campaigns)
        }
        volume = self._volumes()

        outcomes, new, resubmitted, changes = [], [], [], []
        seen = set()
        for row, values in zip(rows, cleaned):
            if "error" in values:
                outcomes.append(RowOutcome(row, error=values["error"]))
                continue
            serial, product = values["serial"], values["product"]
            if serial in seen:
                outcomes.append(RowOutcome(row, error=DuplicateRegistration(
                    _("Serial number %(serial)s appears more than once in this list.") % {"serial": serial},
                    code="duplicate_in_batch", field="serial",
                )))
                continue
            seen.add(serial)

            campaign = self._pick_campaign(product, values["installed_on"], campaign_products)
            own = [r for r in existing[serial] if r.company_id == self.company.pk]
            others = [r for r in existing[serial] if r.company_id != self.company.pk]
            known_device = known.get(serial)
            decision = decide(Facts(
                serial=serial,
                product=product,
                known_product=known_device.product if known_device else None,
                campaign=campaign,
                campaign_product=campaign_products.get((campaign.pk, product.pk)),
                installed_on=values["installed_on"],
                registered_on=self.today,
                claimed_by_other_company=any(r.status in CLAIM_STATUSES for r in others),
                company_volume=volume[campaign.pk],
            ))

            if own:
                previous = own[0]
                if not self._may_resubmit(previous, values, decision):
                    outcomes.append(RowOutcome(row, registration=previous, error=DuplicateRegistration(
                        _("Your company already registered serial number %(serial)s on %(date)s.")
                        % {"serial": serial, "date": format_day(previous.created_at)},
                        registration=previous, field="serial",
                    )))
                    continue
                registration, old_status = previous, previous.status
                note = _("Registered again with corrected data: %(product)s, installed on %(date)s.") % {
                    "product": product.code, "date": format_day(values["installed_on"]),
                }
                resubmitted.append(registration)
            else:
                registration, old_status, note = Registration(
                    company=self.company, created_by=self.user, created_at=self.now, source=self.source,
                ), "", ""
                new.append(registration)

            self._apply(registration, values, campaign, known_device, decision)
            if decision.status != Status.NOT_REGISTRABLE:
                volume[campaign.pk] += 1
            changes.append(StatusChange(
                registration=registration, from_status=old_status, to_status=decision.status,
                reason=decision.reason, actor=self.user, job=self.job, note=note, created_at=self.now,
            ))
            outcomes.append(RowOutcome(row, registration=registration, resubmitted=bool(own)))

        if not self.dry_run:
            Registration.objects.bulk_create(new, batch_size=500)
            Registration.objects.bulk_update(resubmitted, _DECIDED_FIELDS, batch_size=500)
            for change in changes:
                change.registration_id = change.registration.pk
            StatusChange.objects.bulk_create(changes, batch_size=500)
        return outcomes

    def _clean(self, row, products):
        try:
            product = products.get(validation.product_key(row.product_code))
            if product is None:
                raise UnknownProduct(
                    _("Product type “%(code)s” is unknown. Choose one of the campaign's product types.")
                    % {"code": row.product_code},
                    field="product",
                )
            serial = normalize_serial(row.serial)
            check_serial_length(serial, product.family)
            country = validation.normalize_country(row.country)
            return {
                "serial": serial,
                "product": product,
                "installed_on": validation.check_installation_date(row.installed_on, self.today),
                "country": country,
                "postcode": validation.normalize_postcode(row.postcode, country),
                "reference": validation.clean_reference(row.reference),
            }
        except DomainError as error:
            return {"error": error}

    def _volumes(self):
        counted = [c for c in self.campaigns if c.volume_check_threshold is not None]
        volume = defaultdict(int)
        for campaign in counted:
            volume[campaign.pk] = (
                Registration.objects.filter(
                    company=self.company, campaign=campaign, created_at__gte=campaign.volume_window_start(self.now)
                )
                .exclude(status=Status.NOT_REGISTRABLE)
                .aggregate(n=Count("id"))["n"]
            )
        return volume

    def _pick_campaign(self, product, installed_on, campaign_products):
        """The enrolled campaign this installation belongs to (newest first on overlap)."""
        in_period = [c for c in self.campaigns if c.installed_in_period(installed_on)]
        eligible = [c for c in in_period if (c.pk, product.pk) in campaign_products]
        return (eligible or in_period or self.campaigns)[0]

    @staticmethod
    def _may_resubmit(previous, values, decision):
        """A refused registration with a fixable reason is decided anew when something changed."""
        if previous.status != Status.NOT_REGISTRABLE or previous.reason not in CORRECTABLE_REASONS:
            return False
        same_input = (
            previous.product_id == values["product"].pk and previous.installed_on == values["installed_on"]
        )
        same_outcome = (previous.status, previous.reason) == (decision.status, decision.reason)
        return not (same_input and same_outcome)

    def _apply(self, registration, values, campaign, known_device, decision):
        registration.campaign = campaign
        registration.serial = values["serial"]
        registration.product = values["product"]
        registration.known_device = known_device
        registration.installed_on = values["installed_on"]
        registration.postcode = values["postcode"]
        registration.country = values["country"]
        registration.reference = values["reference"]
        registration.status = decision.status
        registration.reason = decision.reason
        registration.reason_params = decision.params
        registration.amount_cents = decision.amount_cents
        registration.note = ""
        registration.status_changed_at = self.now
        registration.documents_due_at = (
            documents_deadline(self.now, campaign.document_deadline_days) if decision.needs_documents else None
        )


_DECIDED_FIELDS = [
    "campaign", "serial", "product", "known_device", "installed_on", "postcode", "country",
    "reference", "status", "reason", "reason_params", "amount_cents", "note",
    "status_changed_at", "documents_due_at",
]


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
        StatusChange.objects.create(
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
    return _transition(
        registration,
        allowed_from=(Status.ACCEPTED, Status.IN_REVIEW),
        to=Status.MORE_INFO,
        reason=Reason.DOCUMENTS_REQUESTED,
        actor=actor,
        note=_require_note(note),
        now=now,
        documents_due_at=documents_deadline(now, registration.campaign.document_deadline_days),
    )


def mark_documents_received(registration, *, actor):
    return _transition(
        registration,
        allowed_from=(Status.MORE_INFO,),
        to=Status.IN_REVIEW,
        reason=Reason.DOCUMENTS_RECEIVED,
        actor=actor,
    )


def approve(registration, *, actor, note=""):
    if registration.amount_cents is None:
        raise InvalidTransition(_("This registration has no cashback amount and cannot be approved."))
    return _transition(
        registration,
        allowed_from=(Status.MORE_INFO, Status.IN_REVIEW),
        to=Status.ACCEPTED,
        reason=Reason.APPROVED,
        actor=actor,
        note=(note or "").strip(),
        documents_due_at=None,
    )


def reject(registration, *, actor, note):
    return _transition(
        registration,
        allowed_from=(Status.MORE_INFO, Status.IN_REVIEW),
        to=Status.NOT_REGISTRABLE,
        reason=Reason.REJECTED,
        actor=actor,
        note=_require_note(note),
        documents_due_at=None,
    )


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
    )


def expire_overdue_registrations(now=None):
    """The nightly job: more-info registrations past their deadline become not registrable.

    Each registration in its own transaction, re-checked under a row lock, so an upload that
    lands while the job runs wins and a second run changes nothing.
    """
    now = now or timezone.now()
    overdue = Registration.objects.filter(
        status=Status.MORE_INFO, documents_due_at__lte=now
    ).values_list("pk", flat=True)
    expired = 0
    for pk in list(overdue):
        try:
            expire_document_deadline(Registration(pk=pk), now=now)
        except InvalidTransition:
            continue
        expired += 1
    return expired
