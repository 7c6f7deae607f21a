"""The one way a change hands work to the Celery worker (an email, the check of an upload).

A job belongs to the change that causes it. By default it is queued once that change is
committed: nothing is sent for a change that rolled back, and the worker never starts before
it can see the data it reads. What happens when the broker cannot be reached is each caller's
choice, named at the call (IfUnreachable).
"""

from enum import Enum

from django.db import transaction


class IfUnreachable(Enum):
    # After the commit; the failure is logged and the saved change stands (the email is lost).
    LOG = "log"
    # After the commit; the failure reaches the caller (a page answers with an error).
    RAISE = "raise"
    # Now, inside the change's transaction, so that the change rolls back and the job that made
    # it (the nightly deadline job) does it again on its next run: never an unannounced change.
    ROLL_BACK = "roll_back"


def enqueue(task, *args, if_unreachable=IfUnreachable.LOG):
    """Queue `task` with `args` (ids) for the worker."""
    if if_unreachable is IfUnreachable.ROLL_BACK:
        task.delay(*args)
        return
    # A lambda, not functools.partial: Django names the callback (__qualname__) when it fails.
    transaction.on_commit(lambda: task.delay(*args), robust=if_unreachable is IfUnreachable.LOG)
