"""Domain errors raised by the registration services; each has a stable code."""

from django.utils.translation import gettext as _

from cashback.errors import DomainError, InvalidInput
from cashback.formatting import format_day

from .choices import Reason
from .models import Registration


class NotEnrolled(DomainError):
    code = "not_enrolled"


class UnknownProduct(InvalidInput):
    code = "unknown_product"


class DuplicateRegistration(DomainError):
    """The company already registered this serial (or the list has it twice); nothing changed.

    The message is written when read, in the reader's language: an upload may hold
    thousands of these and most are never shown one by one.
    """

    code = Reason.DUPLICATE.value

    def __init__(self, *, serial, registered_at=None, registration_id=None, in_batch=False):
        super().__init__(code="duplicate_in_batch" if in_batch else None, field="serial")
        self.serial = serial
        self.registered_at = registered_at
        self.registration_id = registration_id

    @property
    def message(self):
        if self.code == "duplicate_in_batch":
            return _("Serial number %(serial)s appears more than once in this list.") % {"serial": self.serial}
        return _("Your company already registered serial number %(serial)s on %(date)s.") % {
            "serial": self.serial, "date": format_day(self.registered_at),
        }

    @property
    def registration(self):
        """The company's earlier registration (loaded on demand), or None for a duplicate within a list."""
        if self.registration_id is None:
            return None
        return Registration.objects.with_display_relations().get(pk=self.registration_id)


class InvalidTransition(DomainError):
    code = "invalid_transition"


class SerialAlreadyAccepted(DomainError):
    code = "serial_already_accepted"
