"""What happens in review and at the document deadline (registrations.notifications emails the
company). Sent inside the transaction of the change; "documents needed" is the core's
(registrations.core.signals), since the rules ask for documents too."""

from django.dispatch import Signal

# change: the StatusChange of a reviewer's approval or rejection.
decided = Signal()
# company_id, registration_ids: expired by the nightly job, one signal per company. A receiver
# that cannot queue its email raises, and the company's expiries roll back (the next run retries).
deadline_expired = Signal()
# company_id, registration_ids, days_left: reminders marked as sent, one signal per company and
# day; a receiver that raises rolls the marks back, like deadline_expired.
reminders_due = Signal()
# company_id, registration_ids, note: campaign staff extended the document deadline, one signal
# per company.
deadline_extended = Signal()
