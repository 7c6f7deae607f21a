"""Every model of the registrations app, for Django (which loads an app's models from here) and
for the migrations, which refer to `registrations.models.UserManager`, `upload_path`,
`result_path`, `rows_path` and `document_path`. The models live in their packages; code imports them from
there, never from this module."""

from .api.models import ApiToken
from .companies.models import Company, Enrolment, Invitation, Membership, User, UserManager
from .core.models import Registration, StatusChange
from .core.tallies import CompanyTally, DayTally, MoveTally
from .desk.models import CampaignEvent
from .documents.models import Document, document_path
from .notifications.models import Notice
from .payouts.models import (
    BankAccount,
    BankAccountChange,
    PayoutBatch,
    PayoutBatchChange,
    PayoutItem,
    PayoutPayment,
)
from .uploads.models import Upload, result_path, rows_path, upload_path

__all__ = [
    "ApiToken", "BankAccount", "BankAccountChange", "CampaignEvent", "Company", "CompanyTally", "DayTally", "Document", "Enrolment",
    "Invitation", "Membership", "MoveTally", "Notice", "PayoutBatch", "PayoutBatchChange", "PayoutItem", "PayoutPayment", "Registration", "StatusChange", "Upload",
    "User", "UserManager", "document_path", "result_path", "rows_path", "upload_path",
]
