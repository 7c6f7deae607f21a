"""What happens to a company's money that it is told about (registrations.notifications emails
it). Sent inside the transaction of the change; receivers queue their work for after the commit."""

from django.dispatch import Signal

# change: the BankAccountChange just recorded.
bank_details_changed = Signal()
# batch, company_ids: a payout batch was marked paid; each company gets its own email.
batch_paid = Signal()
