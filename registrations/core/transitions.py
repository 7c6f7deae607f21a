"""The one way a registration's status changes: checked against the table of moves
(registrations.core.moves), with its history row (StatusChange).

A single move (a reviewer's decision, documents arriving, the deadline job), many
registrations at once (a payout batch marked paid), and the decisions of registering, written
in bulk. Only the services import this module (an import-linter contract holds it).
"""

from itertools import repeat

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cashback.bulk import Same, insert_rows

from .choices import ACCEPTED_STATUSES
from .errors import SerialAlreadyAccepted
from .models import Registration, StatusChange
from .moves import check


def move(registration, transition, *, reason, to=None, actor=None, job="", note="", now=None, guard=None,
         **fields):
    """Move one registration and record it: locked, checked against MOVES, saved with its
    history row, in one transaction. `to` is needed where the transition can lead to more than
    one status; `guard(current)` re-checks a condition under the row lock; `fields` are set too.
    The returned registration has the history row as `last_change`."""
    now = now or timezone.now()
    with transaction.atomic():
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        targets = check(transition, current.status, to)
        if to is None:
            [to] = targets
        if guard:
            guard(current)
        from_status = current.status
        current.status, current.reason, current.note, current.status_changed_at = to, reason, note, now
        for name, value in fields.items():
            setattr(current, name, value)
        try:
            with transaction.atomic():
                current.save()
        except IntegrityError:
            if to in ACCEPTED_STATUSES:
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


def move_all(registrations, transition, *, from_status, reason, actor=None, job="", note="", now=None, **fields):
    """Move every registration of the queryset that is in `from_status`, in one UPDATE, with a
    history row each (one COPY on PostgreSQL), whatever their number. `note` is for the history
    rows (e.g. the payout batch); the registrations' message to the installer is cleared.

    The rows are locked first, so the ids recorded are exactly the rows moved. Returns those
    ids; call it inside the caller's transaction, which decides what a shortfall means."""
    [to] = check(transition, from_status)
    now = now or timezone.now()
    selected = registrations.filter(status=from_status)
    ids = list(selected.select_for_update(of=("self",)).values_list("pk", flat=True))
    selected.update(status=to, reason=reason, note="", status_changed_at=now, **fields)
    record_history(transition, ids, from_status=from_status, to_status=to, reason=reason,
                   actor_id=actor.pk if actor else None, job=job, note=note, now=now)
    return ids


def record_history(transition, registration_ids, *, from_status, to_status, reason, actor_id=None, job="", note="",
                   now):
    """History rows of moves written in bulk (registering, paying), each checked against MOVES.

    `from_status`, `to_status` and `reason` are one value for every row or a list of them.
    """
    count = len(registration_ids)
    moves = set(zip(_each(from_status, count), _each(to_status, count)))  # a handful of distinct pairs
    for pair in moves:
        check(transition, *pair)
    insert_rows(StatusChange, {
        "registration_id": registration_ids,
        "from_status": _column(from_status),
        "to_status": _column(to_status),
        "reason": _column(reason),
        "actor_id": Same(actor_id),
        "job": Same(job),
        "note": Same(note),
        "created_at": Same(now),
    }, count=count)


def _each(value, count):
    return value if isinstance(value, list) else repeat(value, count)


def _column(value):
    return value if isinstance(value, list) else Same(value)
