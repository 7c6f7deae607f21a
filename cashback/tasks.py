"""The beat jobs of the plumbing: the one that keeps the outbox moving (cashback.queue), the
heartbeat that the health check of the worker and beat reads (cashback.health)."""

from celery import shared_task

from . import health, queue


@shared_task(name="cashback.tasks.relay_jobs")
def relay_jobs():
    """Every minute: hand over the jobs that wait for the broker, notice the ones whose message
    or worker was lost."""
    return queue.relay()


@shared_task(name="cashback.tasks.heartbeat", ignore_result=True)
def heartbeat():
    """Every 30 seconds, by beat: /health/jobs/ reads that beat and a worker live."""
    health.beat()
