"""Documents installers upload as proof: what is accepted is decided by the file's content.

A PDF must start like one and parse; a JPEG or PNG must start like one and verify. The name
and the Content-Type the browser sends are ignored: a renamed .exe is refused, and a real
PDF called 'scan.jpeg' is accepted as the PDF it is.
"""

import hashlib
import io
import logging
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
    except DocumentRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        log.info("Refused PDF %s: %s", name, error)
        raise DocumentRefused(
            _("%(name)s looks like a PDF but cannot be read; it may be damaged. Save or scan it again.")
            % {"name": name},
            field="files",
        ) from None


# A phone photo has 12 to 50 million pixels; more is a picture no reviewer's browser should
# decode (a small PNG can hold 144 million pixels, half a gigabyte once decoded).
MAX_IMAGE_PIXELS = 80_000_000


def _check_image(data, name, expected):
    from PIL import Image

    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 million pixels; the stricter cap below refuses them anyway.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            if image.format != expected:
                raise ValueError(image.format)
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise DocumentRefused(
                    _("%(name)s has too many pixels (%(width)d × %(height)d). Upload a smaller photo or a PDF.")
                    % {"name": name, "width": width, "height": height},
                    field="files",
                )
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
