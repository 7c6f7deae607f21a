"""Emails around documents: requested, reminded, expired, decided; in the company's language."""

import re
from datetime import date, datetime, timedelta
from smtplib import SMTPException
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from cashback import queue
from cashback.models import Job
from cashback.queue import OutboxTask
from devices.models import CampaignProduct
from registrations.core.choices import Reason, Source, Status
from registrations.core.models import Registration
from registrations.core.registering import decide_devices, register_devices
from registrations.core.rows import DeviceRow
from registrations.documents import services, tasks
from registrations.notifications import emails as notifications
from registrations.notifications import tasks as email_tasks
from tests.files import receive_documents

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what the services queue for after the commit (the email tasks, eager in tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def documents_required(campaign, company):
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    company.language = "en"  # the emails below are read in English; one test switches to French
    company.save()


def test_more_information_needed_sends_an_email_with_everything_the_installer_needs(
    register, documents_required, on_commit, installer
):
    with on_commit():
        registration = register(reference="Fam. Jansen")
    [message] = mail.outbox
    assert message.to == ["info@100200.example", installer.email]
    assert message.subject == "More information needed for STP10.0-3SE-40 1000000001"
    body = message.body
    assert "1000000001" in body and "STP10.0-3SE-40" in body and "Fam. Jansen" in body
    assert "Registrations of STP10.0-3SE-40 are checked with documents" in body  # why
    assert "invoice or the commissioning protocol" in body  # which documents
    assert "PDF, JPEG or PNG, at most 10 MB a file" in body
    assert "29 June 2026" in body  # the deadline
    assert f"http://127.0.0.1:8000/registrations/{registration.pk}/documents/" in body  # straight to upload
    html = message.alternatives[0][0]
    assert f"/registrations/{registration.pk}/documents/" in html and "<table" in html


def test_the_email_is_in_the_companys_language(register, documents_required, on_commit, company):
    company.language = "fr"
    company.save()
    with on_commit():
        register()
    [message] = mail.outbox
    assert message.subject == "Plus d'informations nécessaires pour STP10.0-3SE-40 1000000001"
    assert "numéro de série" in message.body


def test_an_upload_of_many_devices_sends_one_email_per_company(company, installer, documents_required, on_commit):
    rows = [DeviceRow(f"10000000{n:02d}", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL") for n in range(1, 61)]
    with on_commit():
        register_devices(company=company, rows=rows, source=Source.EXCEL, user=installer)
    [message] = mail.outbox
    assert message.subject == "More information needed for 60 devices"
    assert message.body.count("/documents/") == 50
    assert "and 10 more devices" in message.body
    assert "/?status=more_info" in message.body


def test_no_email_for_a_preview(company, installer, documents_required, on_commit):
    rows = [DeviceRow("1000000001", "STP10.0-3SE-40", date(2026, 5, 1), "3511 AB", "NL")]
    with on_commit():
        decide_devices(company=company, rows=rows, source=Source.EXCEL, user=installer)
    assert not mail.outbox


def test_staff_asking_for_documents_sends_an_email_with_their_message(register, staff, on_commit):
    registration = register()
    with on_commit():
        services.request_documents(registration, actor=staff, note="Please add the commissioning protocol.")
    [message] = mail.outbox
    assert "Please add the commissioning protocol." in message.body


def test_approval_and_rejection_are_emailed(register, documents_required, staff, on_commit, installer):
    first, second = register(), register(serial="1000000002")
    receive_documents(first, installer)
    receive_documents(second, installer)
    with on_commit():
        services.approve(first, actor=staff)
        services.reject(second, actor=staff, note="The invoice shows another serial number.")
    approved, rejected = mail.outbox
    assert approved.subject == "Approved: STP10.0-3SE-40 1000000001"
    assert "€ 200.00" in approved.body
    assert rejected.subject == "Not accepted: STP10.0-3SE-40 1000000002"
    assert "The invoice shows another serial number." in rejected.body


def test_reminders_at_7_and_2_days_each_sent_once(register, documents_required, on_commit, time_machine):
    registration = register()  # due at the end of 29 June
    time_machine.move_to(datetime(2026, 6, 21, 1, 15, tzinfo=AMS))  # 8 days left
    with on_commit():
        assert tasks.document_deadlines()["reminded"] == 0
    time_machine.move_to(datetime(2026, 6, 22, 1, 15, tzinfo=AMS))  # 7 days left
    with on_commit():
        assert tasks.document_deadlines()["reminded"] == 1
        assert tasks.document_deadlines()["reminded"] == 0  # a second run sends nothing
    [first] = mail.outbox
    assert first.subject == "Reminder: documents needed within 7 days"
    assert f"/registrations/{registration.pk}/documents/" in first.body
    time_machine.move_to(datetime(2026, 6, 27, 1, 15, tzinfo=AMS))  # 2 days left
    with on_commit():
        assert tasks.document_deadlines()["reminded"] == 1
    assert mail.outbox[-1].subject == "Reminder: documents needed within 2 days"
    registration.refresh_from_db()
    assert registration.reminders_sent == [7, 2]


def test_a_late_start_gets_one_reminder_not_two(register, documents_required, on_commit, time_machine):
    register()
    time_machine.move_to(datetime(2026, 6, 28, 1, 15, tzinfo=AMS))  # 1 day left, no reminder yet
    with on_commit():
        assert tasks.document_deadlines()["reminded"] == 1
    assert len(mail.outbox) == 1
    assert Registration.objects.get().reminders_sent == [7, 2]


def test_asking_again_starts_a_new_deadline_with_new_reminders(register, documents_required, installer, staff,
                                                              on_commit, time_machine):
    registration = register()
    time_machine.move_to(datetime(2026, 6, 22, 1, 15, tzinfo=AMS))
    tasks.document_deadlines()
    receive_documents(registration, installer)
    services.request_documents(registration, actor=staff, note="Unreadable scan.")
    registration.refresh_from_db()
    assert registration.reminders_sent == []
    assert registration.documents_due_at == datetime(2026, 7, 7, tzinfo=AMS)


def test_the_nightly_job_expires_exactly_the_overdue_ones_and_emails_them(
    register, documents_required, installer, on_commit, time_machine
):
    overdue = register()
    uploaded = register(serial="1000000002")
    receive_documents(uploaded, installer)
    time_machine.move_to(datetime(2026, 6, 20, 10, tzinfo=AMS))
    later = register(serial="1000000003")  # due 4 July
    time_machine.move_to(datetime(2026, 6, 30, 1, 15, tzinfo=AMS))
    with on_commit():
        result = tasks.document_deadlines()
    assert result["expired"] == 1
    statuses = dict(Registration.objects.values_list("serial", "status"))
    assert statuses == {"1000000001": Status.NOT_REGISTRABLE, "1000000002": Status.IN_REVIEW,
                        "1000000003": Status.MORE_INFO}
    overdue.refresh_from_db()
    assert (overdue.reason, overdue.amount_cents) == (Reason.DEADLINE_EXPIRED, None)
    expired_mail = [m for m in mail.outbox if m.subject.startswith("No documents received")]
    assert len(expired_mail) == 1 and "1000000001" in expired_mail[0].body
    assert later.serial not in expired_mail[0].body


def test_a_failed_send_is_retried_after_a_pause_and_the_status_change_stays(
        register, documents_required, monkeypatch, django_capture_on_commit_callbacks, time_machine):
    attempts, send = [], notifications.EmailMultiAlternatives.send

    def refuse_once(message, *args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise SMTPException("mail server down")
        return send(message, *args, **kwargs)

    monkeypatch.setattr(notifications.EmailMultiAlternatives, "send", refuse_once)
    with django_capture_on_commit_callbacks(execute=True):
        registration = register()
    job = Job.objects.get()
    assert job.state == Job.State.WAITING and job.runs == 1 and "mail server down" in job.last_error
    registration.refresh_from_db()
    assert registration.status == Status.MORE_INFO and registration.history.count() == 1
    assert mail.outbox == []

    queue.relay()  # the pause has not passed
    assert attempts == [1]
    time_machine.shift(timedelta(seconds=31))
    queue.relay()
    assert attempts == [1, 1] and len(mail.outbox) == 1
    assert Job.objects.get().state == Job.State.DONE


def test_an_email_that_keeps_failing_is_given_up_after_its_runs_and_shown_to_staff(
        register, documents_required, monkeypatch, django_capture_on_commit_callbacks, time_machine, staff_client):
    def refuse(*args, **kwargs):
        raise SMTPException("mail server down")

    monkeypatch.setattr(notifications.EmailMultiAlternatives, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        register()
    for _run in range(email_tasks.EmailJob.max_runs):
        time_machine.shift(timedelta(hours=1, seconds=1))
        queue.relay()
    job = Job.objects.get()
    assert job.state == Job.State.FAILED and job.runs == email_tasks.EmailJob.max_runs
    page = staff_client.get("/admin/cashback/job/?attention=needed").content.decode()
    assert "registrations.tasks.notify_documents_needed" in page and "mail server down" in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post("/admin/cashback/job/", {"action": "try_again", "_selected_action": [str(job.pk)]})
    assert Job.objects.get().state == Job.State.DONE and len(mail.outbox) == 1


def test_every_email_is_a_job_of_the_outbox_that_is_retried():
    for task in (email_tasks.notify_documents_needed, email_tasks.notify_reminder, email_tasks.notify_expired,
                 email_tasks.notify_decision, email_tasks.send_invitation_email, email_tasks.send_password_reset_email,
                 email_tasks.notify_bank_details_changed, email_tasks.notify_payout):
        assert isinstance(task, OutboxTask) and task.max_runs >= 5


def test_the_email_link_opens_the_upload_page_after_login(client, register, documents_required, on_commit, installer):
    with on_commit():
        register()
    link = re.search(r"http://127\.0\.0\.1:8000(/registrations/\d+/documents/)", mail.outbox[0].body).group(1)
    response = client.get(link)
    assert response.status_code == 302 and response.url == f"/login/?next={link}"
    client.force_login(installer)
    assert "Upload documents" in client.get(link).content.decode()


def test_an_ampersand_in_a_name_stays_an_ampersand_in_subject_and_text(installer_client, company, on_commit):
    company.name = "Zon & Dak B.V."
    company.save()
    with on_commit():
        installer_client.post("/company/invite/", {"email": "joris@zonnewerk.example"})
    [message] = mail.outbox
    assert message.subject == "Join Zon & Dak B.V. on the SMA Cashback portal"
    assert "Zon & Dak B.V." in message.body and "&amp;" not in message.body
    assert "Zon &amp; Dak B.V." in message.alternatives[0][0]  # HTML escapes it, as it must
