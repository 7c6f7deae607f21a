"""The outbox (cashback.queue): work written with the change that causes it, handed to the broker
when the change commits or, with the broker down, once it is back; run once; run again when its
worker died; given up with a message after its runs."""

import os
import socket
import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cashback import celery_app, queue
from cashback.models import Job
from registrations.companies import services as companies
from registrations.core.models import Registration
from registrations.uploads import services as uploads
from registrations.uploads.models import Upload
from tests.uploads.test_excel_upload import upload, workbook_bytes

ROWS = [(f"10000000{n:02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL", "") for n in range(1, 31)]


def invite(client, email="joris@zonnewerk.example"):
    return client.post("/company/invite/", {"email": email, "role": "member"})


def test_it_writes_the_job_with_the_change_and_sends_nothing_for_a_change_that_rolled_back(
        installer_client, company, installer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            companies.invite_colleague(company=company, email="a@zonnewerk.example", invited_by=installer)
            assert Job.objects.count() == 1  # in the change's own transaction
            raise RuntimeError("the change failed")
    assert not Job.objects.exists() and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        companies.invite_colleague(company=company, email="b@zonnewerk.example", invited_by=installer)
    job = Job.objects.get()
    assert job.state == Job.State.DONE and job.runs == 1 and job.published == 1
    assert [m.to for m in mail.outbox] == [["b@zonnewerk.example"]]


def test_a_job_delivered_twice_runs_once(company, installer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        companies.invite_colleague(company=company, email="b@zonnewerk.example", invited_by=installer)
    job = Job.objects.get()
    celery_app.tasks[job.task].apply_async(job.args, task_id=str(job.pk))  # the broker's second copy
    assert len(mail.outbox) == 1 and Job.objects.get().runs == 1


def test_with_the_broker_down_pages_still_work_and_the_email_leaves_once_it_is_back(
        installer_client, broker_down, django_capture_on_commit_callbacks, time_machine):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(installer_client)
    assert response.status_code == 302  # not a 500: the invitation is saved, its email waits
    job = Job.objects.get()
    assert job.state == Job.State.WAITING and "Connection refused" in job.last_error
    queue.relay()  # the broker is still down: the job waits for its pause
    assert Job.objects.get().state == Job.State.WAITING

    broker_down()  # back
    time_machine.shift(timedelta(minutes=1))
    assert queue.relay() == 1
    assert [m.to for m in mail.outbox] == [["joris@zonnewerk.example"]]
    assert queue.relay() == 0 and len(mail.outbox) == 1


def test_a_large_upload_and_its_confirm_work_with_the_broker_down(
        installer_client, settings, broker_down, django_capture_on_commit_callbacks, time_machine):
    settings.UPLOAD_SYNC_MAX_ROWS = 2
    with django_capture_on_commit_callbacks(execute=True):
        page = upload(installer_client, workbook_bytes(ROWS))
    assert page.status_code == 200
    uploaded = page.context["upload"]
    assert uploaded.state == Upload.State.CHECKING
    assert "the work starts shortly" in page.content.decode()

    broker_down()
    time_machine.shift(timedelta(minutes=1))
    queue.relay()
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.CHECKED and uploaded.rows == 30

    with django_capture_on_commit_callbacks(execute=True):
        installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.IMPORTED and uploaded.result_file
    assert Registration.objects.count() == 30


def stalled(job, **fields):
    """As the row of a job whose worker died while it ran."""
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, started_at=timezone.now() - timedelta(minutes=5), runs=1, **fields)


def checking_upload(installer_client, settings, django_capture_on_commit_callbacks):
    """A large upload whose check job was taken by a worker that then died."""
    settings.UPLOAD_SYNC_MAX_ROWS = 2
    with django_capture_on_commit_callbacks() as queued:  # never handed over: the worker "took" it
        uploaded = upload(installer_client, workbook_bytes(ROWS)).context["upload"]
    assert len(queued) == 1
    job = Job.objects.get()
    stalled(job)
    return uploaded, job


def test_a_job_whose_worker_stopped_reporting_is_run_again(installer_client, settings,
                                                           django_capture_on_commit_callbacks):
    uploaded, job = checking_upload(installer_client, settings, django_capture_on_commit_callbacks)
    queue.relay()
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.CHECKED
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.runs == 2


def test_a_job_that_still_beats_is_left_alone(installer_client, settings, django_capture_on_commit_callbacks):
    uploaded, job = checking_upload(installer_client, settings, django_capture_on_commit_callbacks)
    cache.set(f"job-heartbeat:{job.pk}", timezone.now().timestamp())
    queue.relay()
    assert Job.objects.get().state == Job.State.RUNNING
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.CHECKING


def test_a_message_given_back_after_its_process_was_killed_runs_at_once(installer_client, settings,
                                                                      django_capture_on_commit_callbacks):
    uploaded, job = checking_upload(installer_client, settings, django_capture_on_commit_callbacks)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now(), runner=f"{socket.gethostname()}:{dead.stdout.strip()}")
    celery_app.tasks[job.task].apply_async(job.args, task_id=str(job.pk))  # what the broker gives back
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.CHECKED

    # A copy while the first run's process is alive does nothing.
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, runner=f"{socket.gethostname()}:{os.getpid()}")
    Upload.objects.filter(pk=uploaded.pk).update(state=Upload.State.CHECKING)
    celery_app.tasks[job.task].apply_async(job.args, task_id=str(job.pk))
    assert Upload.objects.get(pk=uploaded.pk).state == Upload.State.CHECKING


def test_an_upload_whose_worker_keeps_dying_fails_with_a_message_and_can_be_tried_again(
        installer_client, settings, django_capture_on_commit_callbacks):
    uploaded, job = checking_upload(installer_client, settings, django_capture_on_commit_callbacks)
    Job.objects.filter(pk=job.pk).update(runs=3)  # its third run died too
    queue.relay()
    assert Job.objects.get().state == Job.State.FAILED
    page = installer_client.get(f"/registrations/uploads/{uploaded.pk}/").content.decode()
    assert "Work on this file stopped unexpectedly" in page and "Try again" in page

    with django_capture_on_commit_callbacks(execute=True):
        installer_client.post(f"/registrations/uploads/{uploaded.pk}/retry/")
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.CHECKED and uploaded.rows == 30 and not uploaded.error


def test_a_message_the_broker_lost_is_handed_over_again(company, installer, django_capture_on_commit_callbacks,
                                                        time_machine):
    with django_capture_on_commit_callbacks():  # handed over by nobody yet
        companies.invite_colleague(company=company, email="b@zonnewerk.example", invited_by=installer)
    Job.objects.update(state=Job.State.QUEUED, queued_at=timezone.now())  # handed over, then Redis restarted
    time_machine.shift(queue.QUEUE_LOST - timedelta(minutes=1))
    queue.relay()
    assert mail.outbox == []  # it may just be waiting its turn
    time_machine.shift(timedelta(minutes=2))
    queue.relay()
    assert len(mail.outbox) == 1 and Job.objects.get().state == Job.State.DONE


def test_staff_see_unsent_and_failed_jobs_in_one_place(staff_client, company, installer, time_machine,
                                                      django_capture_on_commit_callbacks):
    companies.invite_colleague(company=company, email="b@zonnewerk.example", invited_by=installer)  # not sent
    time_machine.shift(timedelta(minutes=10))
    page = staff_client.get("/admin/cashback/job/?attention=needed").content.decode()
    assert "registrations.tasks.send_invitation_email" in page and "Waiting for the broker" in page


def test_a_job_given_back_past_its_runs_is_given_up_not_run_again(installer_client, settings,
                                                                   django_capture_on_commit_callbacks):
    uploaded, job = checking_upload(installer_client, settings, django_capture_on_commit_callbacks)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    Job.objects.filter(pk=job.pk).update(runs=3, runner=f"{socket.gethostname()}:{dead.stdout.strip()}")
    celery_app.tasks[job.task].apply_async(job.args, task_id=str(job.pk))  # the file killed its worker again
    assert Job.objects.get().state == Job.State.FAILED
    uploaded.refresh_from_db()
    assert uploaded.state == Upload.State.FAILED and uploaded.rows == 0  # not checked a fourth time


def test_a_run_taken_over_by_another_cannot_undo_it(installer_client, settings, django_capture_on_commit_callbacks):
    uploaded, job = checking_upload(installer_client, settings, django_capture_on_commit_callbacks)
    first = Job.objects.get()  # the run as the relay saw it ...
    Job.objects.filter(pk=job.pk).update(runner="elsewhere:1", runs=2)  # ... before another took it over
    queue._failed_run(first, "the first run raised late", timezone.now())
    job.refresh_from_db()
    assert (job.state, job.runner, job.runs) == (Job.State.RUNNING, "elsewhere:1", 2)


def test_a_second_check_of_an_upload_never_undoes_its_registration(installer_client, monkeypatch):
    uploaded = upload(installer_client, workbook_bytes(ROWS[:2])).context["upload"]
    installer_client.post(f"/registrations/uploads/{uploaded.pk}/confirm/")
    assert Upload.objects.get(pk=uploaded.pk).state == Upload.State.IMPORTED
    uploaded.state = Upload.State.CHECKING  # a copy of the check job that started before all that
    uploads.preview_upload(uploaded)
    assert Upload.objects.get(pk=uploaded.pk).state == Upload.State.IMPORTED


def test_only_tasks_of_the_outbox_can_be_queued_through_it(db):
    with pytest.raises(TypeError, match="base=OutboxTask"):
        queue.enqueue("cashback.tasks.relay_jobs")  # a beat task: nothing would mark its row done
    assert not Job.objects.exists()
