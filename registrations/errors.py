"""Domain errors raised by the registration services; each has a stable code."""

from cashback.errors import DomainError

from .choices import Reason


class NotEnrolled(DomainError):
    code = "not_enrolled"


class InvalidInput(DomainError):
    code = "invalid_input"


class UnknownProduct(InvalidInput):
    code = "unknown_product"


class DuplicateRegistration(DomainError):
    """The company already registered this serial; nothing was changed."""

    code = Reason.DUPLICATE.value

    def __init__(self, message, *, registration=None, **kwargs):
        super().__init__(message, **kwargs)
        self.registration = registration


class InvalidTransition(DomainError):
    code = "invalid_transition"


class SerialAlreadyAccepted(DomainError):
    code = "serial_already_accepted"


class PermissionDenied(DomainError):
    code = "permission_denied"
