"""The beat job that keeps the outbox moving (cashback.queue)."""

from celery import shared_task

from . import queue


@shared_task(name="cashback.tasks.relay_jobs")
def relay_jobs():
    """Every minute: hand over the jobs that wait for the broker, notice the ones whose message
    or worker was lost."""
    return queue.relay()
