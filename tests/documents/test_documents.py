"""Documents: the upload page, content checks, in-review, downloads for the company only."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from registrations.companies.models import User
from registrations.core.choices import Reason, Status
from registrations.documents import tasks
from registrations.documents.models import Document
from tests.files import image_bytes, pdf_bytes

AMS = ZoneInfo("Europe/Amsterdam")


def post_files(client, registration, *files, kind="invoice"):
    return client.post(f"/registrations/{registration.pk}/documents/", {
        "kind": kind, "files": [SimpleUploadedFile(name, content) for name, content in files],
    }, follow=True)


def test_the_upload_page_says_what_is_accepted_and_by_when(installer_client, needs_documents):
    page = installer_client.get(f"/registrations/{needs_documents.pk}/documents/").content.decode()
    assert "PDF, JPEG or PNG, at most 10 MB a file" in page
    assert "29 June 2026" in page and "14 days left" in page


def test_uploading_documents_moves_the_registration_to_in_review(installer_client, installer, needs_documents):
    response = post_files(installer_client, needs_documents, ("factuur.pdf", pdf_bytes()), ("foto.jpg", image_bytes()))
    assert "we received your documents" in response.content.decode()
    needs_documents.refresh_from_db()
    assert (needs_documents.status, needs_documents.reason) == (Status.IN_REVIEW, Reason.DOCUMENTS_RECEIVED)
    documents = list(needs_documents.documents.order_by("id"))
    assert [(d.content_type, d.kind, d.original_name) for d in documents] == [
        ("application/pdf", "invoice", "factuur.pdf"), ("image/jpeg", "invoice", "foto.jpg"),
    ]
    assert all("factuur" not in d.file.name and "foto" not in d.file.name for d in documents)  # random names
    assert needs_documents.history.last().actor == installer
    page = installer_client.get(f"/registrations/{needs_documents.pk}/").content.decode()
    assert "Documents received – In review" in page and "factuur.pdf" in page


def test_more_documents_can_be_added_while_in_review(installer_client, needs_documents):
    post_files(installer_client, needs_documents, ("a.pdf", pdf_bytes()))
    post_files(installer_client, needs_documents, ("b.png", image_bytes("PNG")), kind="commissioning_protocol")
    needs_documents.refresh_from_db()
    assert needs_documents.status == Status.IN_REVIEW
    assert needs_documents.documents.count() == 2
    assert needs_documents.history.count() == 2  # registered, documents received: once


@pytest.mark.parametrize("name, content, message", [
    ("invoice.pdf", b"MZ\x90\x00this is a program", "is not a PDF, JPEG or PNG file"),
    ("invoice.pdf", b"%PDF-1.7\nthis is not really a pdf", "cannot be read; it may be damaged"),
    ("photo.jpg", b"\xff\xd8\xff\xe0broken jpeg", "cannot be read; it may be damaged"),
    ("page.html", b"<html><script>alert(1)</script></html>", "is not a PDF, JPEG or PNG file"),
    ("big.pdf", None, "is larger than 1 MB"),
])
def test_refused_files_say_what_is_accepted_and_change_nothing(installer_client, needs_documents, settings,
                                                                name, content, message):
    settings.DOCUMENT_MAX_BYTES = 1_000_000
    if content is None:
        content = pdf_bytes() + b"\n%" + b"x" * 1_000_000
    response = post_files(installer_client, needs_documents, ("good.pdf", pdf_bytes()), (name, content))
    assert message in response.content.decode().replace("&#x27;", "'")
    needs_documents.refresh_from_db()
    assert needs_documents.status == Status.MORE_INFO
    assert not Document.objects.exists()


def test_an_empty_file_is_refused(installer_client, needs_documents):
    response = post_files(installer_client, needs_documents, ("empty.pdf", b""))
    assert "The submitted file is empty." in response.content.decode()
    assert not Document.objects.exists()


def test_a_real_pdf_with_a_misleading_name_is_accepted_as_pdf(installer_client, needs_documents):
    post_files(installer_client, needs_documents, ("scan.jpeg", pdf_bytes()))
    assert Document.objects.get().content_type == "application/pdf"


def test_no_uploads_for_a_registration_that_needs_none(installer_client, register):
    accepted = register()
    response = post_files(installer_client, accepted, ("a.pdf", pdf_bytes()))
    assert "No documents are needed" in response.content.decode()
    assert not Document.objects.exists()


def test_documents_are_served_to_the_company_and_reviewers_only(client, installer_client, needs_documents,
                                                                other_company, staff_client):
    post_files(installer_client, needs_documents, ("factuur.pdf", pdf_bytes()))
    document = Document.objects.get()
    response = installer_client.get(f"/documents/{document.pk}/")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("inline")
    assert installer_client.get(f"/documents/{document.pk}/?download=1")["Content-Disposition"].startswith("attachment")
    assert staff_client.get(f"/documents/{document.pk}/").status_code == 200

    client.force_login(other_company.memberships.get().user)
    assert client.get(f"/documents/{document.pk}/").status_code == 404
    assert client.get(f"/registrations/{needs_documents.pk}/documents/").status_code == 404
    assert post_files(client, needs_documents, ("x.pdf", pdf_bytes())).status_code == 404
    client.logout()
    response = client.get(f"/documents/{document.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/login/?next=/documents/{document.pk}/"


def test_staff_without_the_review_permission_cannot_read_documents(client, installer_client, needs_documents):
    post_files(installer_client, needs_documents, ("factuur.pdf", pdf_bytes()))
    helpdesk = User.objects.create_user(email="helpdesk@example.com", password="x", is_staff=True)
    client.force_login(helpdesk)
    assert client.get(f"/documents/{Document.objects.get().pk}/").status_code == 404


def test_an_upload_in_the_last_second_stops_the_deadline(installer_client, needs_documents, time_machine):
    time_machine.move_to(datetime(2026, 6, 29, 23, 59, 59, tzinfo=AMS))
    installer_client.force_login(needs_documents.created_by)
    post_files(installer_client, needs_documents, ("a.pdf", pdf_bytes()))
    time_machine.move_to(datetime(2026, 7, 3, tzinfo=AMS))
    assert tasks.document_deadlines()["expired"] == 0
    needs_documents.refresh_from_db()
    assert needs_documents.status == Status.IN_REVIEW
    assert not [m for m in mail.outbox if "No documents received" in m.subject]
