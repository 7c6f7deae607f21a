"""Small real files for the document tests."""

import io

from PIL import Image
from pypdf import PdfWriter


def pdf_bytes(pages=1):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(fmt="JPEG", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def receive_documents(registration, user):
    """The installer uploads an invoice: the registration waiting for it is then in review."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from registrations.documents.models import Document
    from registrations.documents.services import add_documents

    add_documents(registration, files=[(Document.Kind.INVOICE, SimpleUploadedFile("invoice.pdf", pdf_bytes()))],
                  user=user)
    registration.refresh_from_db()
    return registration
