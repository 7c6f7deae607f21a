"""The one way work is handed to the worker from a change: cashback.queue.enqueue."""

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from cashback.queue import IfUnreachable, enqueue


class FakeTask:
    def __init__(self, broker_up=True):
        self.sent, self.broker_up = [], broker_up

    def delay(self, *args):
        if not self.broker_up:
            raise OperationalError("connection refused")
        self.sent.append(args)


def test_it_queues_after_the_commit_and_not_for_a_change_that_rolled_back(db, django_capture_on_commit_callbacks):
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            enqueue(task, 1, [2, 3])
            assert task.sent == []  # not before the change is visible to the worker
    assert task.sent == [(1, [2, 3])]

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue(task, 4)
            raise RuntimeError("the change failed")
    assert task.sent == [(1, [2, 3])]


def test_by_default_a_broker_that_is_down_after_the_commit_is_logged(db, django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            enqueue(FakeTask(broker_up=False), 1)
    assert "connection refused" in caplog.text


def test_a_caller_that_asks_sees_the_broker_failure_after_the_commit(db, django_capture_on_commit_callbacks):
    with pytest.raises(OperationalError), django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            enqueue(FakeTask(broker_up=False), 1, if_unreachable=IfUnreachable.RAISE)


def test_a_job_that_must_announce_its_change_rolls_it_back_when_the_broker_is_down(db):
    task = FakeTask(broker_up=False)
    with pytest.raises(OperationalError), transaction.atomic():
        enqueue(task, 1, if_unreachable=IfUnreachable.ROLL_BACK)
