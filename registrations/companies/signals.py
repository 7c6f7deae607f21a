"""What happens to companies that others act on (registrations.notifications sends the emails).

Sent inside the transaction of the change; receivers queue their work after the commit.
"""

from django.dispatch import Signal

# invitation: a colleague was invited (the email carries the link).
colleague_invited = Signal()
# user: a password reset was asked for an active account.
password_reset_requested = Signal()
