"""The one table of allowed status moves (registrations.core.moves) and the functions that move
registrations by it (registrations.core.transitions)."""

import pytest

from registrations.core.choices import Reason, Status
from registrations.core.errors import InvalidTransition
from registrations.core.models import Registration, StatusChange
from registrations.core.moves import MOVES, NEW, Transition, check
from registrations.core.transitions import move, move_all, record_history

EVERY_STATUS = [NEW, *Status.values]


def test_it_has_a_row_for_every_transition():
    assert set(MOVES) == set(Transition)


@pytest.mark.parametrize("transition", list(Transition))
@pytest.mark.parametrize("from_status", EVERY_STATUS)
@pytest.mark.parametrize("to_status", Status.values)
def test_it_allows_exactly_the_moves_in_the_table(transition, from_status, to_status):
    allowed = to_status in MOVES[transition].get(from_status, ())
    if allowed:
        check(transition, from_status, to_status)
    else:
        with pytest.raises(InvalidTransition):
            check(transition, from_status, to_status)


@pytest.mark.parametrize("transition, from_status, to_status", [
    (Transition.PAY, Status.MORE_INFO, Status.PAID),  # only what was accepted is paid
    (Transition.APPROVE, Status.NOT_REGISTRABLE, Status.ACCEPTED),  # a refusal is not approved afterwards
    (Transition.DECIDE, NEW, Status.PAID),  # the rules never pay
    (Transition.DECIDE_AGAIN, Status.ACCEPTED, Status.ACCEPTED),  # only refused serials are decided again
    (Transition.ASK_FOR_DOCUMENTS, Status.PAID, Status.MORE_INFO),  # what is paid stays paid
])
def test_it_refuses_the_moves_that_would_cost_money(transition, from_status, to_status):
    with pytest.raises(InvalidTransition):
        check(transition, from_status, to_status)


def test_a_move_outside_the_table_changes_nothing(register, staff):
    registration = register()  # accepted
    with pytest.raises(InvalidTransition):
        move(registration, Transition.EXPIRE, reason=Reason.DEADLINE_EXPIRED, actor=staff)
    registration.refresh_from_db()
    assert registration.status == Status.ACCEPTED
    assert registration.history.count() == 1


def test_a_move_records_who_from_what_to_what_and_why(register, staff):
    registration = register()
    moved = move(registration, Transition.ASK_FOR_DOCUMENTS, reason=Reason.DOCUMENTS_REQUESTED, actor=staff,
                 note="Audit")
    assert (moved.status, moved.reason, moved.note) == (Status.MORE_INFO, Reason.DOCUMENTS_REQUESTED, "Audit")
    change = moved.last_change
    assert (change.from_status, change.to_status, change.actor, change.note) == (
        Status.ACCEPTED, Status.MORE_INFO, staff, "Audit"
    )


def test_move_all_moves_only_the_rows_in_the_from_status_with_a_history_row_each(register, staff):
    first, second = register("1000000001"), register("1000000002")
    waiting = move(register("1000000003"), Transition.ASK_FOR_DOCUMENTS, reason=Reason.DOCUMENTS_REQUESTED,
                   actor=staff, note="Audit")
    ids = move_all(Registration.objects.all(), Transition.PAY, from_status=Status.ACCEPTED, reason=Reason.PAID,
                   actor=staff, note="CB-1")
    assert sorted(ids) == sorted([first.pk, second.pk])
    assert set(Registration.objects.filter(status=Status.PAID).values_list("pk", flat=True)) == set(ids)
    assert Registration.objects.get(pk=waiting.pk).status == Status.MORE_INFO
    paid = StatusChange.objects.filter(to_status=Status.PAID)
    assert sorted(paid.values_list("registration_id", flat=True)) == sorted(ids)
    assert set(paid.values_list("from_status", "note", "actor")) == {(Status.ACCEPTED, "CB-1", staff.pk)}


def test_move_all_refuses_a_move_outside_the_table(register, staff):
    register()
    with pytest.raises(InvalidTransition):
        move_all(Registration.objects.all(), Transition.PAY, from_status=Status.MORE_INFO, reason=Reason.PAID,
                 actor=staff)


def test_bulk_history_is_checked_against_the_table_before_it_is_written(register):
    registration = register()
    with pytest.raises(InvalidTransition):
        record_history(Transition.DECIDE, [registration.pk], from_status=NEW, to_status=[Status.PAID],
                       reason=Reason.PAID, now=registration.created_at)
    assert registration.history.count() == 1
