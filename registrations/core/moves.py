"""The one table of allowed status moves: per transition, from which status to which.

Read by every service that changes a status (through registrations.core.transitions) and by
the pages that offer only what is allowed (the review screen's buttons).
"""

from enum import StrEnum

from django.utils.translation import gettext as _

from .choices import Status
from .errors import InvalidTransition


class Transition(StrEnum):
    DECIDE = "decide"  # the rules decide a new registration
    DECIDE_AGAIN = "decide_again"  # a refused serial registered again with corrected data
    ASK_FOR_DOCUMENTS = "ask_for_documents"  # campaign staff: an audit, or asking again after review
    RECEIVE_DOCUMENTS = "receive_documents"  # the installer uploaded what was asked
    APPROVE = "approve"
    REJECT = "reject"
    EXPIRE = "expire"  # the nightly job: no documents by the deadline
    PAY = "pay"  # a payout batch was paid
    EXTEND_DEADLINE = "extend_deadline"  # campaign staff give more time for documents (the status stays)


NEW = ""  # the "from" of a registration that did not exist yet
DECIDED = frozenset({Status.ACCEPTED, Status.MORE_INFO, Status.NOT_REGISTRABLE})  # what the rules can decide

# transition -> {status it may start from: statuses it may lead to}
MOVES = {
    Transition.DECIDE: {NEW: DECIDED},
    Transition.DECIDE_AGAIN: {Status.NOT_REGISTRABLE: DECIDED},
    Transition.ASK_FOR_DOCUMENTS: {Status.ACCEPTED: {Status.MORE_INFO}, Status.IN_REVIEW: {Status.MORE_INFO}},
    Transition.RECEIVE_DOCUMENTS: {Status.MORE_INFO: {Status.IN_REVIEW}},
    Transition.APPROVE: {Status.MORE_INFO: {Status.ACCEPTED}, Status.IN_REVIEW: {Status.ACCEPTED}},
    Transition.REJECT: {Status.MORE_INFO: {Status.NOT_REGISTRABLE}, Status.IN_REVIEW: {Status.NOT_REGISTRABLE}},
    Transition.EXPIRE: {Status.MORE_INFO: {Status.NOT_REGISTRABLE}},
    Transition.PAY: {Status.ACCEPTED: {Status.PAID}},
    Transition.EXTEND_DEADLINE: {Status.MORE_INFO: {Status.MORE_INFO}},
}


def starts_from(transition):
    """The statuses a transition may start from."""
    return tuple(MOVES[transition])


def allows(transition, from_status):
    """Whether `transition` may start from `from_status` (e.g. which decisions a page offers)."""
    return from_status in MOVES[transition]


def check(transition, from_status, to_status=None):
    """InvalidTransition unless the table allows `transition` from `from_status` (to `to_status`)."""
    targets = MOVES[transition].get(from_status)
    if targets is None or (to_status is not None and to_status not in targets):
        label = Status(from_status).label if from_status else _("not registered")
        raise InvalidTransition(
            _("This registration is “%(status)s” and cannot be changed this way.") % {"status": label}
        )
    return targets
