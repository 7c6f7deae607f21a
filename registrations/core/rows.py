"""The rows of a list of devices (the form, an upload, the portal sync, the API): what the
installer sent, and what became of each row, counted the same way everywhere."""

from dataclasses import dataclass
from datetime import date

from .choices import RowResult, Status


@dataclass(slots=True)
class DeviceRow:
    """One device as an installer submits it, before cleaning."""

    serial: str
    product_code: str
    installed_on: date | None
    postcode: str
    country: str
    reference: str = ""


_KINDS = {
    Status.ACCEPTED: RowResult.REGISTERED,
    Status.MORE_INFO: RowResult.MORE_INFO,
    Status.NOT_REGISTRABLE: RowResult.NOT_REGISTRABLE,
}


def outcome_kind(outcome, error=None):
    """What became of a row (RowResult), the same for an upload and the API's bulk call.
    `error` is a problem found before registering (a cell that cannot be read)."""
    error = error or (outcome.error if outcome else None)
    if error is None:
        return _KINDS[outcome.decision.status]
    if error.code == "duplicate_in_batch":
        return RowResult.DUPLICATE_IN_FILE
    if error.code == "duplicate":
        return RowResult.REFUSED_BEFORE if error.refused_before else RowResult.ALREADY_REGISTERED
    return RowResult.INVALID


def count_kinds(kinds):
    """{every RowResult value: how many of `kinds` are that}."""
    counts = {kind.value: 0 for kind in RowResult}
    for kind in kinds:
        counts[kind] += 1
    return counts
