"""Documents are evidence, not programs: active PDFs are refused, every file is served boxed in."""

import pytest

from registrations.documents.models import Document
from tests.documents.test_documents import post_files
from tests.files import image_bytes, pdf_bytes, pdf_with, png_of_size


@pytest.mark.parametrize("kind", ["javascript", "launch", "hidden-launch", "attachment"])
def test_a_pdf_with_active_content_is_refused(installer_client, needs_documents, kind):
    page = post_files(installer_client, needs_documents, ("invoice.pdf", pdf_with(kind))).content.decode()
    assert "contains active content" in page
    assert not Document.objects.exists()


def test_a_pdf_with_a_web_link_is_accepted(installer_client, needs_documents):
    post_files(installer_client, needs_documents, ("invoice.pdf", pdf_with("link")))
    assert Document.objects.count() == 1


def test_a_huge_image_is_refused_for_its_pixels_not_as_damaged(installer_client, needs_documents):
    page = post_files(installer_client, needs_documents, ("scan.png", png_of_size(30_000, 30_000))).content.decode()
    assert "has too many pixels (30000 × 30000)" in page
    assert "damaged" not in page


@pytest.mark.parametrize("name, content, inline_policy", [
    ("invoice.pdf", pdf_bytes(), "default-src 'none'"),
    ("photo.jpg", image_bytes(), "sandbox; default-src 'none'"),
])
def test_documents_are_served_under_a_restrictive_policy(installer_client, needs_documents, name, content,
                                                          inline_policy):
    post_files(installer_client, needs_documents, (name, content))
    url = f"/documents/{Document.objects.get().pk}/"
    shown = installer_client.get(url)
    assert shown["Content-Security-Policy"].startswith(inline_policy)
    assert "script-src" not in shown["Content-Security-Policy"]  # default-src 'none': no script at all
    assert shown["X-Content-Type-Options"] == "nosniff"
    downloaded = installer_client.get(url + "?download")
    assert downloaded["Content-Security-Policy"].startswith("sandbox;")
