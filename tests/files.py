"""Small real files for the document tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter

from registrations.documents.models import Document
from registrations.documents.services import add_documents


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
    add_documents(registration, files=[(Document.Kind.INVOICE, SimpleUploadedFile("invoice.pdf", pdf_bytes()))],
                  user=user)
    registration.refresh_from_db()
    return registration


def pdf_with(kind):
    """A one-page PDF with active content (a script, a launch action, an attached file), or with\na plain web link, which is not active."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if kind == "javascript":  # a document-level script, in the Names tree as Acrobat writes it
        script = writer._add_object(DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1);"),
        }))
        writer._root_object[NameObject("/Names")] = DictionaryObject({
            NameObject("/JavaScript"): DictionaryObject({
                NameObject("/Names"): ArrayObject([TextStringObject("hello"), script]),
            }),
        })
    elif kind == "launch":
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe"),
        })
    elif kind == "hidden-launch":  # the action's type behind a reference, as a packer may write it
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): writer._add_object(NameObject("/Launch")), NameObject("/F"): TextStringObject("x.exe"),
        })
    elif kind == "attachment":
        writer.add_attachment("payload.exe", b"MZ")
    elif kind == "link":  # not active: a link to a web page, as many invoices have
        from pypdf.annotations import Link

        writer.add_annotation(page_number=0, annotation=Link(rect=(50, 50, 200, 80), url="https://example.com/"))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_of_size(width, height):
    """A PNG whose header declares this size (the pixels need not follow: the size is refused first)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")
