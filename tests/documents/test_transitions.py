"""Status changes after the first decision: each through its service, with a history row."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from cashback.errors import InvalidInput
from devices.models import CampaignProduct
from registrations.core.choices import Reason, Status, SystemJob
from registrations.core.errors import InvalidTransition, SerialAlreadyAccepted
from registrations.core.models import Registration
from registrations.documents import services, tasks
from tests.files import receive_documents

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def needs_documents(register, campaign):
    CampaignProduct.objects.filter(campaign=campaign).update(requires_documents=True)
    return register()


def test_documents_received_moves_more_info_to_in_review(needs_documents, installer):
    registration = receive_documents(needs_documents, installer)
    assert (registration.status, registration.reason) == (Status.IN_REVIEW, Reason.DOCUMENTS_RECEIVED)
    last = registration.history.last()
    assert (last.from_status, last.to_status, last.actor) == (Status.MORE_INFO, Status.IN_REVIEW, installer)


def test_approve_after_review_keeps_the_decided_amount(needs_documents, installer, staff, campaign):
    receive_documents(needs_documents, installer)
    CampaignProduct.objects.filter(campaign=campaign).update(amount_cents=1)
    registration = services.approve(needs_documents, actor=staff)
    assert (registration.status, registration.reason, registration.amount_cents) == (
        Status.ACCEPTED, Reason.APPROVED, 20000,
    )
    assert registration.documents_due_at is None
    assert registration.history.last().actor == staff


def test_reject_needs_a_reason_that_the_installer_sees(needs_documents, installer, staff):
    receive_documents(needs_documents, installer)
    with pytest.raises(InvalidInput):
        services.reject(needs_documents, actor=staff, note="  ")
    registration = services.reject(needs_documents, actor=staff, note="The invoice is for another serial.")
    assert (registration.status, registration.reason) == (Status.NOT_REGISTRABLE, Reason.REJECTED)
    assert "another serial" in registration.message


def test_ask_again_sets_a_new_deadline(needs_documents, installer, staff, time_machine):
    receive_documents(needs_documents, installer)
    time_machine.move_to(datetime(2026, 7, 1, 10, tzinfo=AMS))
    registration = services.request_documents(needs_documents, actor=staff, note="Please add the protocol.")
    assert (registration.status, registration.reason) == (Status.MORE_INFO, Reason.DOCUMENTS_REQUESTED)
    assert registration.documents_due_at == datetime(2026, 7, 16, tzinfo=AMS)


def test_staff_can_audit_an_accepted_registration(register, staff):
    registration = services.request_documents(register(), actor=staff, note="Random audit")
    assert registration.status == Status.MORE_INFO


@pytest.mark.parametrize("service, kwargs", [
    (lambda registration, actor: receive_documents(registration, actor), {}),
    (services.approve, {}),
    (services.reject, {"note": "no"}),
])
def test_wrong_transitions_are_refused_and_change_nothing(register, staff, service, kwargs):
    registration = register()  # accepted
    with pytest.raises(InvalidTransition):
        service(registration, actor=staff, **kwargs)
    registration.refresh_from_db()
    assert registration.status == Status.ACCEPTED
    assert registration.history.count() == 1


def test_approve_is_refused_when_the_serial_is_accepted_elsewhere(register, other_company, staff):
    register()
    claim = register(company=other_company, user=other_company.memberships.get().user)
    assert claim.status == Status.MORE_INFO
    with pytest.raises(SerialAlreadyAccepted):
        services.approve(claim, actor=staff)
    claim.refresh_from_db()
    assert claim.status == Status.MORE_INFO
    assert claim.history.count() == 1


def test_the_database_allows_one_accepted_registration_per_serial(register, other_company):
    register()
    claim = register(company=other_company, user=other_company.memberships.get().user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.filter(pk=claim.pk).update(status=Status.PAID)


def test_the_database_allows_one_registration_per_campaign_company_and_serial(register):
    first = register()
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(
            company=first.company, campaign=first.campaign, serial=first.serial, product=first.product,
            installed_on=first.installed_on, postcode="1234 AB", country="NL", source="web",
            status=Status.NOT_REGISTRABLE, reason=Reason.UNKNOWN_SERIAL,
        )


def test_the_deadline_job_expires_overdue_registrations_once(needs_documents, time_machine):
    assert needs_documents.documents_due_at == datetime(2026, 6, 30, tzinfo=AMS)
    time_machine.move_to(datetime(2026, 6, 29, 23, 59, tzinfo=AMS))
    assert tasks.document_deadlines()["expired"] == 0
    time_machine.move_to(datetime(2026, 6, 30, 0, 1, tzinfo=AMS))
    assert tasks.document_deadlines()["expired"] == 1
    assert tasks.document_deadlines()["expired"] == 0
    needs_documents.refresh_from_db()
    assert (needs_documents.status, needs_documents.reason) == (Status.NOT_REGISTRABLE, Reason.DEADLINE_EXPIRED)
    last = needs_documents.history.last()
    assert (last.job, last.actor) == (SystemJob.DEADLINE_JOB, None)
    assert needs_documents.history.count() == 2


def test_an_upload_in_the_last_second_beats_the_deadline(needs_documents, installer, time_machine):
    time_machine.move_to(datetime(2026, 6, 29, 23, 59, 59, tzinfo=AMS))
    receive_documents(needs_documents, installer)
    time_machine.move_to(datetime(2026, 7, 1, 2, tzinfo=AMS))
    assert tasks.document_deadlines()["expired"] == 0
    needs_documents.refresh_from_db()
    assert needs_documents.status == Status.IN_REVIEW


def test_the_deadline_job_runs_by_hand(needs_documents, time_machine, capsys):
    time_machine.move_to(datetime(2026, 7, 2, tzinfo=AMS))
    call_command("expire_document_deadlines")
    assert "1 registration expired, 0 reminded" in capsys.readouterr().out


def test_expiring_before_the_deadline_is_refused(needs_documents):
    with pytest.raises(InvalidTransition):
        services.expire_document_deadline(needs_documents)
    assert needs_documents.history.count() == 1


def test_the_deadline_job_is_scheduled_nightly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["document-deadlines"]
    assert entry["task"] == tasks.document_deadlines.name
    assert entry["schedule"].hour == {1}
    assert timedelta(0) < entry["schedule"].remaining_estimate(datetime(2026, 6, 15, 2, tzinfo=AMS)) <= timedelta(days=1)
