"""Domain errors raised by the registration services; each has a stable code."""

from django.utils.translation import gettext as _

from cashback.errors import DomainError, InvalidInput
from cashback.formatting import format_day

from .choices import CORRECTABLE_REASONS, Reason
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

    def __init__(self, *, serial, registered_at=None, registration_id=None, in_batch=False, refused_for="",
                 refused_at=None):
        super().__init__(code="duplicate_in_batch" if in_batch else None, field="serial")
        self.serial = serial
        self.registered_at = registered_at
        self.registration_id = registration_id
        # The reason the earlier registration was refused, if it was: then nothing was registered.
        self.refused_for = refused_for
        self.refused_at = refused_at

    @property
    def refused_before(self):
        return bool(self.refused_for)

    @property
    def message(self):
        if self.code == "duplicate_in_batch":
            return _("Serial number %(serial)s appears more than once in this list.") % {"serial": self.serial}
        values = {"serial": self.serial, "date": format_day(self.registered_at)}
        if self.refused_before:
            values.update(date=format_day(self.refused_at or self.registered_at), reason=Reason(self.refused_for).label)
            if self.refused_for in CORRECTABLE_REASONS:
                return _(
                    "Serial number %(serial)s was refused on %(date)s (%(reason)s) and nothing changed now. Check "
                    "the serial number and the product type on the type label and correct the row."
                ) % values
            return _(
                "Serial number %(serial)s was refused on %(date)s (%(reason)s); registering it again changes "
                "nothing. Contact the campaign team if you think this is wrong."
            ) % values
        return _("Your company already registered serial number %(serial)s on %(date)s.") % values

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
