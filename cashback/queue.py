"""The one way a change hands work to the Celery worker: a transactional outbox.

`enqueue()` writes a Job row in the change's own transaction. Once the change commits, the row
is handed to the broker at once; if the broker cannot be reached, the row waits and the relay
(a beat job, every minute) hands it over once the broker is back. The web request never fails
because of the broker, and a change that rolled back never sends anything.

A worker runs a job to completion at most once: its task (an OutboxTask) claims the row before
it runs and marks it done after, so a message delivered twice, or handed over again by the
relay, does nothing the second time. Emails are therefore sent at least once and, after a
success, never again; a worker that dies between sending and marking sends once more.

A job whose worker died (killed, out of memory, the machine gone) stops reporting: the relay
hands it over again after JOB_STALL_SECONDS without a heartbeat, at once when its process is
provably gone, up to its task's `max_runs`; then it is marked failed and its task's `gave_up()`
leaves the object it worked on with a message and a way forward. A job that raised waits
a growing pause (JOB_RETRY_SECONDS, doubled per run, at most an hour) before the next run.
"""

import logging
from datetime import timedelta

from celery import Task, current_app, current_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Job
from .processes import is_gone, this_process

log = logging.getLogger(__name__)

State = Job.State
# Queued and never started after this long: the broker lost the message (Redis keeps nothing on
# disk here). Handing it over again is harmless: a second copy finds the row claimed or done.
QUEUE_LOST = timedelta(minutes=15)
_HEARTBEAT_EVERY = 5  # seconds between two heartbeats of one job


def needing_attention(jobs, now):
    """The jobs someone should look at: failed, not handed to the broker after five minutes,
    lost by the broker, or running without a sign of life (the admin's filter, the desk's count)."""
    return jobs.filter(
        Q(state=State.FAILED)
        | Q(state=State.WAITING, created_at__lt=now - timedelta(minutes=5))
        | Q(state=State.QUEUED, queued_at__lt=now - QUEUE_LOST)
        | Q(state=State.RUNNING, started_at__lt=now - timedelta(seconds=settings.JOB_STALL_SECONDS))
    )


def enqueue(task, *args):
    """Queue `task` (a Celery task or its registered name) with `args` (ids) for the worker,
    as part of the current change: it leaves once the change is committed."""
    name = getattr(task, "name", task)
    if not isinstance(_task(name), OutboxTask):
        # A plain task would never mark its row done, and the relay would send it again and again.
        raise TypeError(f"{name} is queued through the outbox: give it base=OutboxTask")
    job = Job.objects.create(task=name, args=list(args))
    job_id = job.pk
    # A lambda, not functools.partial: Django names the callback (__qualname__) when it fails.
    transaction.on_commit(lambda: publish(job_id), robust=True)
    return job


def publish(job_id):
    """Hand a waiting job to the broker; True if it went. When the broker cannot be reached the
    job waits for the relay, with a growing pause."""
    now = timezone.now()
    if not Job.objects.filter(pk=job_id, state=State.WAITING).update(
        state=State.QUEUED, queued_at=now, published=F("published") + 1
    ):
        return False  # handed over already (by the relay, or by the commit of the change)
    job = Job.objects.get(pk=job_id)
    try:
        # No retries of its own: a broker that is down must not hold up the page that queued it.
        _task(job.task).apply_async(job.args, task_id=str(job.pk), retry=False)
    except Exception as error:  # noqa: BLE001 - whatever the transport raises, the job waits
        log.warning("The broker cannot be reached; %s waits for the relay: %s", job, error)
        Job.objects.filter(pk=job_id, state=State.QUEUED).update(
            state=State.WAITING, next_attempt_at=now + _pause(job.published), last_error=str(error)[:2000],
        )
        return False
    return True


def relay(now=None):
    """What the beat job does every minute: hand over the jobs that wait, and notice the ones
    whose message or worker was lost. Returns how many were handed over."""
    now = now or timezone.now()
    handed = 0
    lost = Job.objects.filter(state=State.QUEUED, queued_at__lt=now - QUEUE_LOST)
    for job_id in lost.values_list("pk", flat=True):
        Job.objects.filter(pk=job_id, state=State.QUEUED).update(state=State.WAITING, next_attempt_at=now)
    stall = now - timedelta(seconds=settings.JOB_STALL_SECONDS)
    for job in Job.objects.filter(state=State.RUNNING):
        try:
            if (job.started_at < stall and not _alive_since(job, stall)) or is_gone(job.runner):
                _stalled(job, now)
        except Exception:  # noqa: BLE001 - one job's trouble must not keep the others waiting
            log.exception("The relay could not handle job %s", job.pk)
    for job_id in Job.objects.filter(state=State.WAITING, next_attempt_at__lte=now).values_list("pk", flat=True):
        try:
            handed += publish(job_id)
        except Exception:  # noqa: BLE001
            log.exception("The relay could not hand over job %s", job_id)
    return handed


def try_again(job):
    """Staff hand a failed job over once more (its run count starts again)."""
    Job.objects.filter(pk=job.pk, state=State.FAILED).update(
        state=State.WAITING, runs=0, next_attempt_at=timezone.now(), finished_at=None
    )
    transaction.on_commit(lambda: publish(job.pk), robust=True)


def heartbeat():
    """Called by a long job as it makes progress: it is alive. Through the cache, since the job
    may be inside a transaction that nobody else can see yet."""
    job_id = getattr(current_task.request, "id", None) if current_task else None
    if not job_id:
        return
    now = timezone.now()
    last = _beats.get(job_id)
    if last and (now - last).total_seconds() < _HEARTBEAT_EVERY:
        return
    _beats[job_id] = now
    try:
        cache.set(_heartbeat_key(job_id), now.timestamp(), settings.JOB_STALL_SECONDS * 2)
    except Exception as error:  # noqa: BLE001 - a cache that is down must not stop the job
        log.warning("No heartbeat for job %s: %s", job_id, error)


_beats = {}


class OutboxTask(Task):
    """The base of every task queued through enqueue(): runs its job once, retries it with a
    pause when it raises, and says when it gave up. `max_runs` counts the runs of one job."""

    max_runs = 5

    def gave_up(self, *args):
        """The job failed for good: leave its object with a message (tasks override this)."""

    def __call__(self, *args, **kwargs):
        job_id = self.request.id
        if not job_id or not Job.objects.filter(pk=job_id).exists():
            return super().__call__(*args, **kwargs)  # called directly (a command, a test)
        run = self._claim(job_id)
        if run is None:
            log.info("Job %s of %s is done or running elsewhere; this copy does nothing", job_id, self.name)
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - recorded on the job and retried by the relay
            log.exception("Job %s of %s failed", job_id, self.name)
            _failed_run(run, f"{type(error).__name__}: {error}", timezone.now())
            return None
        finally:
            _beats.pop(job_id, None)
        # Done whatever the relay thought meanwhile (a run it took for stalled): a copy it handed
        # over again then finds the job done and does nothing.
        Job.objects.filter(pk=job_id).exclude(state=State.DONE).update(
            state=State.DONE, finished_at=timezone.now(), last_error=""
        )
        return result

    def _claim(self, job_id):
        """This run's row (state, runner and run count as this run set them), or None when the
        job is done, failed, or running in a process that is alive."""
        job = Job.objects.filter(pk=job_id).first()
        if job is None:
            return None
        claim = Job.objects.filter(pk=job_id, state__in=[State.WAITING, State.QUEUED])
        if job.state == State.RUNNING and is_gone(job.runner):
            # A message given back after its process was killed: take the job over at once, but
            # only from that run (two copies must not both win), and not past the task's limit.
            if job.runs >= self.max_runs:
                _failed_run(job, "the worker stopped while running this job", timezone.now())
                return None
            claim = Job.objects.filter(pk=job_id, state=State.RUNNING, runner=job.runner, runs=job.runs)
        if not claim.update(state=State.RUNNING, started_at=timezone.now(), runs=F("runs") + 1,
                            runner=this_process()):
            return None
        return Job.objects.get(pk=job_id)


def _stalled(job, now):
    log.warning("Job %s (%s) stopped reporting; its worker is gone", job.pk, job)
    _failed_run(job, "the worker stopped while running this job", now, pause=False)


def _failed_run(job, error, now, pause=True):
    """A run that raised (retried after a pause) or whose worker died (at once); given up after
    the task's max_runs. `job` is the run as it was seen: a run that another has taken over
    since (a different runner or run count) is left alone."""
    this_run = Job.objects.filter(pk=job.pk, state=State.RUNNING, runner=job.runner, runs=job.runs)
    task = _task(job.task, missing_ok=True)
    if task is None or job.runs >= getattr(task, "max_runs", OutboxTask.max_runs):
        with transaction.atomic():
            if this_run.update(state=State.FAILED, finished_at=now, last_error=error[:2000]) and task is not None:
                task.gave_up(*job.args)
        return
    this_run.update(state=State.WAITING, next_attempt_at=now + _pause(job.runs) if pause else now,
                    last_error=error[:2000])


def _task(name, missing_ok=False):
    """The registered task of that name; a web process imports the tasks modules on first use.
    A name no task has (renamed, removed) is None with `missing_ok`."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks.get(name) if missing_ok else current_app.tasks[name]


def _pause(attempt):
    return timedelta(seconds=min(settings.JOB_RETRY_SECONDS * 2 ** max(attempt - 1, 0), 3600))


def _alive_since(job, moment):
    try:
        beat = cache.get(_heartbeat_key(job.pk))
    except Exception:  # noqa: BLE001 - no cache, no proof of death: only a dead process counts then
        return True
    return beat is not None and beat >= moment.timestamp()


def _heartbeat_key(job_id):
    return f"job-heartbeat:{job_id}"
