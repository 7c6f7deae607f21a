"""Writes of the document check: the installer's proof, the reviewer's decisions, the deadline.

Each decision is one move of registrations.core.transitions (checked against its table, in one
transaction, with a history row) and is announced for the company's email.
"""

from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cashback.dates import end_of_day
from cashback.errors import InvalidInput
from cashback.formatting import format_day

from ..core import signals as core_signals
from ..core.choices import Reason, Status, SystemJob
from ..core.errors import InvalidTransition
from ..core.models import Registration
from ..core.moves import Transition, starts_from
from ..core.registering import documents_deadline
from ..core.transitions import move, record_history
from ..core.wording import documents_due_day
from ..payouts.selectors import in_live_batch
from . import signals
from .inspection import inspect
from .models import Document


def _require_note(note):
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Write the reason; the installer will read it."), field="note")
    return note


def request_documents(registration, *, actor, note):
    """Staff ask for documents: an audit of an accepted registration, or asking again after review."""
    now = timezone.now()

    def not_being_paid(current):
        item = in_live_batch(current)
        if item is not None:
            raise InvalidTransition(
                _("This registration is in payout batch %(reference)s; it can be audited once that batch is "
                  "cancelled.") % {"reference": item.batch.reference}
            )

    with transaction.atomic():
        changed = move(
            registration, Transition.ASK_FOR_DOCUMENTS,
            reason=Reason.DOCUMENTS_REQUESTED,
            actor=actor,
            note=_require_note(note),
            now=now,
            guard=not_being_paid,
            documents_due_at=documents_deadline(now, registration.campaign.document_deadline_days),
            reminders_sent=[],
        )
        core_signals.documents_needed.send(sender=Registration, registrations=[(changed.company_id, changed.pk)])
    return changed


def approve(registration, *, actor, note=""):
    def has_amount(current):
        if current.amount_cents is None:
            raise InvalidTransition(_("This registration has no cashback amount and cannot be approved."))

    with transaction.atomic():
        changed = move(
            registration, Transition.APPROVE,
            reason=Reason.APPROVED,
            actor=actor,
            note=(note or "").strip(),
            guard=has_amount,
            documents_due_at=None,
        )
        signals.decided.send(sender=Registration, change=changed.last_change)
    return changed


def reject(registration, *, actor, note):
    with transaction.atomic():
        changed = move(
            registration, Transition.REJECT,
            reason=Reason.REJECTED,
            actor=actor,
            note=_require_note(note),
            documents_due_at=None,
            amount_cents=None,
        )
        signals.decided.send(sender=Registration, change=changed.last_change)
    return changed


def expire_document_deadline(registration, *, now=None):
    """No documents by the deadline: not registrable. Announced by the deadline job, which
    gathers one company's expiries into one email (registrations.documents.deadlines)."""
    now = now or timezone.now()

    def deadline_passed(current):
        if current.documents_due_at is None or current.documents_due_at > now:
            raise InvalidTransition(_("The document deadline has not passed yet."))

    return move(
        registration, Transition.EXPIRE,
        reason=Reason.DEADLINE_EXPIRED,
        job=SystemJob.DEADLINE_JOB,
        now=now,
        guard=deadline_passed,
        amount_cents=None,
    )


def extend_deadlines(registrations, *, until, actor, note, now=None):
    """More time for documents: every registration of the queryset that waits for documents
    and is due before `until` gets the end of that day as its deadline, its reminders again,
    and a history row with the reason (a later deadline is kept: this never shortens one);
    each company is emailed once. Returns how many were extended."""
    _require_note(note)
    now = now or timezone.now()
    due = end_of_day(until)
    if due <= now:
        raise InvalidInput(_("The new deadline must be after today."), field="until")
    with transaction.atomic():
        waiting = registrations.filter(status=Status.MORE_INFO).filter(
            Q(documents_due_at__lt=due) | Q(documents_due_at__isnull=True))
        rows = list(waiting.select_for_update(of=("self",)).order_by("pk").values_list("pk", "company_id"))
        ids = [pk for pk, _company in rows]
        # Recorded (and so checked against the table of moves) before the rows change.
        record_history(Transition.EXTEND_DEADLINE, ids, from_status=Status.MORE_INFO, to_status=Status.MORE_INFO,
                       reason=Reason.DEADLINE_EXTENDED, actor_id=actor.pk, note=note, now=now)
        Registration.objects.filter(pk__in=ids).update(documents_due_at=due, reminders_sent=[])
        by_company = defaultdict(list)
        for pk, company_id in rows:
            by_company[company_id].append(pk)
        for company_id, company_ids in by_company.items():
            signals.deadline_extended.send(sender=Registration, company_id=company_id, registration_ids=company_ids,
                                           note=note)
    return len(ids)


def add_documents(registration, *, files, user, now=None):
    """The installer's proof: store the files and, if documents were awaited, move the
    registration to "in review" (the deadline stops counting). `files` is [(kind, file)].

    Every file is checked before anything is stored: one bad file refuses them all. The
    status and the deadline are checked again under the row lock, so a double click, a
    colleague's upload or a decision taken meanwhile cannot leave documents nobody reviews.
    """
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
            if current.status in starts_from(Transition.RECEIVE_DOCUMENTS):
                move(current, Transition.RECEIVE_DOCUMENTS, reason=Reason.DOCUMENTS_RECEIVED, actor=user, now=now)
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
        raise InvalidTransition(
            _("The deadline for documents was %(day)s. Contact the campaign team if you think this is wrong.")
            % {"day": format_day(documents_due_day(registration))}
        )
