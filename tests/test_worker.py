"""Tasks travel through the configured broker (the file-system queue, or Redis with REDIS_URL)
to a real Celery worker, after the transaction that queued them commits."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from cashback import celery_app
from registrations.companies import services as companies


@pytest.fixture
def real_worker():
    celery_app.conf.task_always_eager = False
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
    celery_app.conf.task_always_eager = True


def wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_an_invitation_email_is_sent_by_the_worker_after_commit(company, installer, real_worker):
    companies.invite_colleague(company=company, email="joris@zonnewerk.example", invited_by=installer)
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the email"
    assert mail.outbox[0].to == ["joris@zonnewerk.example"]
