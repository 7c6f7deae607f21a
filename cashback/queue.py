"""The one way work is handed to the Celery worker from a change: queued with the change.

A job (an email, a check of an upload) belongs to the change that causes it: it is queued
only once that change is committed, so nothing is sent for a change that rolled back, and a
job is never started before the data it reads is visible to the worker.
"""

from django.db import transaction


def enqueue(task, *args, roll_back_if_unreachable=False):
    """Queue `task` with `args` (ids) for the worker.

    By default after the current transaction commits (at once outside one); a broker that
    cannot be reached then is logged, and never turns a change that was saved into an error
    page. With `roll_back_if_unreachable` the task is queued now, inside the transaction, so
    a broker failure rolls the change back: for jobs that run again until they succeed (the
    nightly deadline job), where an unannounced change is worse than a change made tomorrow.
    """
    if roll_back_if_unreachable:
        task.delay(*args)
        return
    # A lambda, not functools.partial: Django names the callback (__qualname__) when it fails.
    transaction.on_commit(lambda: task.delay(*args), robust=True)
