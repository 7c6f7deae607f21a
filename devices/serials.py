"""Serial numbers are text: digits only, leading zeros kept, length set per product family."""

import re
import unicodedata

from django.utils.translation import gettext_lazy

from cashback.errors import DomainError, Message
from cashback.formatting import quoted

_PREFIX = re.compile(r"^(?:S/?N|SERIAL(?:\s*NO\.?)?)\s*[:#.]?\s*", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u200b-]+")


class InvalidSerial(DomainError):
    code = "invalid_serial"


def normalize_serial(raw):
    """Clean what a person typed or pasted: spaces, a leading 'SN:', grouping dashes.

    Raises InvalidSerial when what is left is not a digit string.
    """
    if type(raw) is str and raw.isascii() and raw.isdigit():
        return raw  # the common case, without the regular expressions
    # NFKC: full-width digits (a phone's wide keyboard) are digits; other scripts' are refused.
    text = _PREFIX.sub("", unicodedata.normalize("NFKC", str(raw or "")).strip())
    serial = _SPACES.sub("", text)
    if not serial:
        raise InvalidSerial(gettext_lazy("Enter the serial number from the device's type label."), field="serial")
    if not serial.isascii() or not serial.isdigit():
        raise InvalidSerial(
            Message(gettext_lazy("Serial number “%(serial)s” may contain digits only."), serial=quoted(raw)),
            field="serial",
        )
    return serial


def check_serial_length(serial, family):
    if len(serial) != family.serial_length:
        raise InvalidSerial(
            Message(
                gettext_lazy("Serial number %(serial)s has %(actual)d digits; serial numbers of %(family)s "
                             "have %(expected)d digits."),
                serial=quoted(serial), actual=len(serial), family=family.name, expected=family.serial_length,
            ),
            field="serial",
        )
