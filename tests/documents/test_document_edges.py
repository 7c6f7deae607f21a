"""Edges of the documents path: late and concurrent uploads, what a download is called, the
queue's navigation, emails that must not be lost or wrong."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from cashback import queue
from cashback.models import Job
from devices.models import CampaignProduct
from registrations.core.choices import Reason, Status
from registrations.core.errors import InvalidTransition
from registrations.core.models import Registration
from registrations.documents import deadlines, services, tasks
from registrations.documents.models import Document
from registrations.notifications import tasks as email_tasks
from tests.files import image_bytes, pdf_bytes

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def needs_documents(register, campaign, company):
    company.language = "en"  # the emails below are read in English
    company.save()
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    return register()


def invoice(name="factuur.pdf", content=None):
    return ("invoice", SimpleUploadedFile(name, content or pdf_bytes()))


def post_files(client, registration, *files):
    return client.post(f"/registrations/{registration.pk}/documents/", {
        "kind": "invoice", "files": [SimpleUploadedFile(name, content) for name, content in files],
    }, follow=True)


# Uploads ---------------------------------------------------------------------------------


def test_a_download_is_named_after_what_the_file_is(installer_client, needs_documents):
    post_files(installer_client, needs_documents, ("factuur.hta", pdf_bytes() + b"<script>evil()</script>"))
    document = Document.objects.get()
    response = installer_client.get(f"/documents/{document.pk}/?download=1")
    assert response["Content-Disposition"] == 'attachment; filename="factuur.pdf"'
    assert response["Content-Type"] == "application/pdf"


def test_an_upload_after_the_deadline_is_refused_even_before_the_nightly_job(installer_client, needs_documents,
                                                                             installer, time_machine):
    time_machine.move_to(datetime(2026, 6, 30, 0, 0, 1, tzinfo=AMS))  # due by the end of 29 June
    installer_client.force_login(installer)
    page = installer_client.get(f"/registrations/{needs_documents.pk}/documents/").content.decode()
    assert "The deadline for documents has passed." in page and 'type="file"' not in page
    with pytest.raises(InvalidTransition, match="The deadline for documents was 29 June 2026"):
        services.add_documents(needs_documents, files=[invoice()], user=None)
    needs_documents.refresh_from_db()
    assert needs_documents.status == Status.MORE_INFO
    assert not Document.objects.exists()


def test_two_uploads_from_the_same_page_both_count(needs_documents, installer):
    stale = Registration.objects.get(pk=needs_documents.pk)  # a colleague's page, loaded before
    services.add_documents(needs_documents, files=[invoice()], user=installer)
    services.add_documents(stale, files=[invoice("second.pdf")], user=installer)
    assert Document.objects.count() == 2
    needs_documents.refresh_from_db()
    assert needs_documents.status == Status.IN_REVIEW
    assert needs_documents.history.count() == 2  # registered, documents received: once


def test_an_upload_after_a_decision_on_a_stale_page_is_refused(needs_documents, installer, staff):
    stale = Registration.objects.get(pk=needs_documents.pk)
    services.reject(needs_documents, actor=staff, note="Not installed in the campaign area.")
    with pytest.raises(InvalidTransition):
        services.add_documents(stale, files=[invoice()], user=installer)
    assert not Document.objects.exists()


def test_images_with_too_many_pixels_are_refused(installer_client, needs_documents):
    huge = image_bytes("PNG", size=(12000, 12000))
    response = post_files(installer_client, needs_documents, ("scan.png", huge))
    assert "has too many pixels (12000 × 12000)" in response.content.decode()
    assert not Document.objects.exists()


def test_at_most_ten_files_at_once(installer_client, needs_documents):
    response = post_files(installer_client, needs_documents, *[(f"{n}.pdf", pdf_bytes()) for n in range(11)])
    assert "Upload at most 10 files at once." in response.content.decode()
    assert not Document.objects.exists()


# The nightly job and its emails ------------------------------------------------------------


def test_a_reminder_made_while_the_broker_is_down_leaves_once_it_is_back(
        needs_documents, time_machine, broker_down, django_capture_on_commit_callbacks):
    time_machine.move_to(datetime(2026, 6, 22, 1, 15, tzinfo=AMS))  # 7 days left
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.document_deadlines()["reminded"] == 1
    needs_documents.refresh_from_db()
    assert needs_documents.reminders_sent == [7]  # the reminder and its email, one change
    job = Job.objects.get(task=email_tasks.notify_reminder.name)
    assert job.state == Job.State.WAITING and "Connection refused" in job.last_error
    assert mail.outbox == []

    broker_down()  # back
    time_machine.shift(timedelta(minutes=1))
    queue.relay()
    assert len([m for m in mail.outbox if m.subject.startswith("Reminder")]) == 1
    assert tasks.document_deadlines()["reminded"] == 0  # nothing twice
    queue.relay()
    assert len([m for m in mail.outbox if m.subject.startswith("Reminder")]) == 1


def test_an_expiry_made_while_the_broker_is_down_is_announced_once_it_is_back(
        needs_documents, time_machine, broker_down, django_capture_on_commit_callbacks):
    time_machine.move_to(datetime(2026, 6, 30, 1, 15, tzinfo=AMS))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.document_deadlines()["expired"] == 1
    needs_documents.refresh_from_db()
    assert needs_documents.status == Status.NOT_REGISTRABLE
    assert Job.objects.get(task=email_tasks.notify_expired.name).state == Job.State.WAITING

    broker_down()
    time_machine.shift(timedelta(minutes=1))
    queue.relay()
    assert [m.subject for m in mail.outbox if m.subject.startswith("No documents")]
    assert Job.objects.get(task=email_tasks.notify_expired.name).state == Job.State.DONE


def test_a_reminder_already_marked_by_another_run_is_not_sent_again(needs_documents, time_machine):
    time_machine.move_to(datetime(2026, 6, 22, 1, 15, tzinfo=AMS))
    # Another run marked it between this run's read and its write.
    original = Registration.objects.filter

    def racing_filter(*args, **kwargs):
        if "reminders_sent" in kwargs:
            original(pk=needs_documents.pk).update(reminders_sent=[7])
        return original(*args, **kwargs)

    Registration.objects.filter = racing_filter
    try:
        assert deadlines.remind(datetime(2026, 6, 22, 1, 15, tzinfo=AMS)) == 0
    finally:
        del Registration.objects.filter
    assert not mail.outbox


def test_the_decision_email_tells_the_decision_and_the_reviewers_message(
    needs_documents, installer, staff, django_capture_on_commit_callbacks
):
    services.add_documents(needs_documents, files=[invoice()], user=installer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks() as queued:
        services.approve(needs_documents, actor=staff, note="Thank you for the clear invoice.")
    # Audited before the worker sent the approval: the email still tells the approval.
    services.request_documents(needs_documents, actor=staff, note="Random audit.")
    mail.outbox.clear()
    for callback in queued:
        callback()
    [message] = mail.outbox
    assert message.subject == "Approved: STP10.0-3SE-40 1000000001"
    assert "approved the registration" in message.body
    assert "Message from the campaign team: Thank you for the clear invoice." in message.body
    assert "Random audit" not in message.body
    assert Registration.objects.get().reason == Reason.DOCUMENTS_REQUESTED
