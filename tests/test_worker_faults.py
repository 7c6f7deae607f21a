"""A real prefork Celery worker, killed with real signals while it registers a 40,000-row upload:
nothing is lost, nothing is registered twice, and the upload ends registered with its result
workbook. The worker runs in its own process on the test database and the Redis broker, so
this runs on PostgreSQL with Redis (CI's second run); SQLite's test database lives in memory."""

import os
import signal
import subprocess
import sys
import time
from datetime import date

import pytest

from cashback import celery_app, queue
from cashback.models import Job
from registrations.core.models import Registration
from registrations.uploads.models import Upload
from tests.conftest import shared_database_url
from tests.test_worker import wait_for
from tests.uploads.test_excel_upload import upload, workbook_bytes

ROWS = 40_000

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"),
        reason="the worker process needs a database and a broker it can share: PostgreSQL and Redis",
    ),
]


@pytest.fixture
def start_worker(settings, real_time):
    """Start a worker (prefork, one child) in its own process group; all are stopped after."""
    started = []
    environment = {
        **os.environ,
        "DATABASE_URL": shared_database_url(settings),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }

    def start():
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cashback", "worker", "--pool", "prefork", "--concurrency", "1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
            env=environment, start_new_session=True, cwd=settings.BASE_DIR,
        )
        started.append(process)
        return process

    celery_app.conf.task_always_eager = False
    celery_app.control.purge()  # what earlier tests left in the test broker
    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def confirmed_upload(client, settings):
    """A 40,000-row upload, checked by the worker and confirmed: the registering job is queued."""
    rows = [(f"9{n:09d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "") for n in range(ROWS)]
    uploaded = upload(client, workbook_bytes(rows)).context["upload"]
    assert wait_for(lambda: Upload.objects.get(pk=uploaded.pk).state == Upload.State.CHECKED, 180), "not checked"
    client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    return uploaded


def registering_job(uploaded):
    def running():
        return Job.objects.filter(task="registrations.tasks.register_upload", args=[uploaded.pk],
                                  state=Job.State.RUNNING).first()

    assert wait_for(running, 180), "the worker did not start registering"
    time.sleep(0.8)  # into the rows, inside the registering transaction (which takes ~3 s)
    return running()


def registered_once(uploaded):
    assert wait_for(lambda: Upload.objects.get(pk=uploaded.pk).state == Upload.State.IMPORTED, 180), "not registered"
    uploaded.refresh_from_db()
    assert Registration.objects.filter(company=uploaded.company).count() == ROWS  # each once
    assert uploaded.result_file and uploaded.result_file.storage.exists(uploaded.result_file.name)
    assert uploaded.result_counts and sum(uploaded.result_counts.values()) == ROWS


def test_a_pool_child_killed_while_it_registers_is_replaced_and_the_upload_is_registered_once(
        real_time, installer_client, settings, start_worker):
    settings.UPLOAD_SYNC_MAX_ROWS = 100
    start_worker()
    uploaded = confirmed_upload(installer_client, settings)
    job = registering_job(uploaded)
    child = int(job.runner.rpartition(":")[2])
    os.kill(child, signal.SIGKILL)  # what the kernel's OOM killer does
    assert Upload.objects.get(pk=uploaded.pk).state == Upload.State.IMPORTING  # killed half-way
    registered_once(uploaded)
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.runs == 2


def test_a_whole_worker_killed_while_it_registers_is_noticed_and_its_job_run_again(
        real_time, installer_client, settings, start_worker):
    settings.UPLOAD_SYNC_MAX_ROWS = 100
    settings.JOB_STALL_SECONDS = 5
    worker = start_worker()
    uploaded = confirmed_upload(installer_client, settings)
    job = registering_job(uploaded)
    os.killpg(worker.pid, signal.SIGKILL)  # the machine, the container, the whole worker gone
    worker.wait()
    assert not Registration.objects.exists()  # the open transaction died with its connection
    assert Upload.objects.get(pk=uploaded.pk).state == Upload.State.IMPORTING

    start_worker()  # a new worker; Redis would give the message back only after its visibility timeout
    time.sleep(settings.JOB_STALL_SECONDS + 1)
    queue.relay()  # the beat job: the job stopped reporting, so it is handed over again
    registered_once(uploaded)
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.runs == 2
