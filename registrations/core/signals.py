"""What happens to registrations that others react to (registrations.notifications emails the
company). Sent inside the transaction of the change; receivers queue their work for after the
commit, so nothing is announced for a change that rolled back."""

from django.dispatch import Signal

# registrations: [(company_id, registration_id)] that just entered "more information needed",
# from the rules (any source) or from campaign staff asking for documents.
documents_needed = Signal()

# A campaign's budget reached `percent` (90, or 100: used up) of what it may commit; sent
# once for each.
budget_used = Signal()
