"""Documents installers upload as proof: what is accepted is decided by the file's content.

A PDF must start like one and parse; a JPEG or PNG must start like one and verify. The name
and the Content-Type the browser sends are ignored: a renamed .exe is refused, and a real
PDF called 'scan.jpeg' is accepted as the PDF it is.
"""

import hashlib
import io
import logging
import struct
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from cashback.errors import DomainError

log = logging.getLogger(__name__)


class DocumentRefused(DomainError):
    code = "document_refused"


@dataclass
class Inspected:
    content_type: str
    size: int
    sha256: str


def accepted_text():
    return _("PDF, JPEG or PNG, at most %(size)s MB a file") % {
        "size": formats.number_format(settings.DOCUMENT_MAX_BYTES / 1_000_000, 0)
    }


def inspect(uploaded_file):
    """The document's real type, size and hash; DocumentRefused if it is not one we accept."""
    name = uploaded_file.name or "?"
    if uploaded_file.size == 0:
        raise DocumentRefused(_("%(name)s is empty.") % {"name": name}, field="files")
    if uploaded_file.size > settings.DOCUMENT_MAX_BYTES:
        raise DocumentRefused(
            _("%(name)s is larger than %(size)s MB. Send a smaller scan or photo (%(accepted)s).")
            % {"name": name, "size": formats.number_format(settings.DOCUMENT_MAX_BYTES / 1_000_000, 0),
               "accepted": accepted_text()},
            field="files",
        )
    uploaded_file.seek(0)
    data = uploaded_file.read()
    uploaded_file.seek(0)
    if data.startswith(b"%PDF-"):
        content_type = "application/pdf"
        _check_pdf(data, name)
    elif data.startswith(b"\xff\xd8\xff"):
        content_type = "image/jpeg"
        _check_image(data, name, "JPEG")
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type = "image/png"
        _check_image(data, name, "PNG")
    else:
        raise DocumentRefused(
            _("%(name)s is not a PDF, JPEG or PNG file. Upload the invoice or protocol as %(accepted)s.")
            % {"name": name, "accepted": accepted_text()},
            field="files",
        )
    return Inspected(content_type, len(data), hashlib.sha256(data).hexdigest())


def _check_pdf(data, name):
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentRefused(
                _("%(name)s is protected with a password. Upload it without a password.") % {"name": name},
                field="files",
            )
        if len(reader.pages) == 0:
            raise ValueError("no pages")
        active = _active_content(reader)
    except DocumentRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        log.info("Refused PDF %s: %s", name, error)
        raise DocumentRefused(
            _("%(name)s looks like a PDF but cannot be read; it may be damaged. Save or scan it again.")
            % {"name": name},
            field="files",
        ) from None
    if active == TOO_COMPLEX:
        raise DocumentRefused(
            _("%(name)s is too complex to check (more than %(count)s objects). Print it to a new PDF, or scan "
              "it, and upload that.")
            % {"name": name, "count": formats.number_format(_MAX_OBJECTS, force_grouping=True)},
            field="files",
        )
    if active:
        log.info("Refused PDF %s: active content %s", name, active)
        raise DocumentRefused(
            _("%(name)s contains active content (scripts, actions that start programs, or attached files), "
              "which an invoice or protocol does not need. Print it to a new PDF, or scan it, and upload that.")
            % {"name": name},
            field="files",
        )


# What makes a PDF do something when it is opened or clicked, besides showing pages and links:
# scripts, programs to launch, forms that send data, attached files and embedded media.
_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/XFA", "/RichMedia"}
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR", "/RichMediaExecute",
                   "/Rendition"}
_MAX_OBJECTS = 200_000  # an invoice has a few hundred; a file with more is not walked to the end
TOO_COMPLEX = "too many objects"


def _active_content(reader):
    """The first sign of active content in the objects the document reaches, or "".

    Walks the object graph from the trailer (so compressed object streams are seen too, which
    a search of the raw bytes would miss)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen, stack, visited = set(), [reader.trailer], 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > _MAX_OBJECTS:
            return TOO_COMPLEX
        if isinstance(node, DictionaryObject):
            for name, value in node.items():
                if name in _ACTIVE_KEYS:
                    return name
                if name == "/S":
                    action = value.get_object() if isinstance(value, IndirectObject) else value
                    if action in _ACTIVE_ACTIONS:
                        return str(action)
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return ""


# A phone photo has 12 to 50 million pixels; more is a picture no reviewer's browser should
# decode (a small PNG can hold 144 million pixels, half a gigabyte once decoded).
MAX_IMAGE_PIXELS = 80_000_000


def _check_image(data, name, expected):
    from PIL import Image

    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 million pixels; the stricter cap below refuses them anyway.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                image = Image.open(io.BytesIO(data))
            except Image.DecompressionBombError:
                # Beyond twice Pillow's limit it will not even open it: the header says how large.
                _refuse_pixels(name, *_declared_size(data, expected))
        with image:
            if image.format != expected:
                raise ValueError(image.format)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                _refuse_pixels(name, width, height)
            image.verify()
            if expected == "JPEG":
                # verify() checks little of a JPEG: decode it (the pixel count is bounded above).
                with Image.open(io.BytesIO(data)) as decoded:
                    decoded.load()
    except DocumentRefused:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        log.info("Refused image %s: %s", name, error)
        raise DocumentRefused(
            _("%(name)s looks like an image but cannot be read; it may be damaged. Take the photo again.")
            % {"name": name},
            field="files",
        ) from None


def _refuse_pixels(name, width, height):
    raise DocumentRefused(
        _("%(name)s has too many pixels (%(width)d × %(height)d). Upload a smaller photo or a PDF.")
        % {"name": name, "width": width, "height": height},
        field="files",
    )


def _declared_size(data, fmt):
    """(width, height) as the file's header declares them: PNG's IHDR, JPEG's start of frame."""
    if fmt == "PNG":
        return struct.unpack(">II", data[16:24])
    position = 2
    while position + 9 <= len(data):
        if data[position] != 0xFF:
            break
        marker, length = data[position + 1], struct.unpack(">H", data[position + 2 : position + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    raise ValueError("no image size in the header")
