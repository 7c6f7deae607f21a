"""Who may open the finance pages: staff with the payout permission."""

from cashback.access import staff_required

MANAGE_PAYOUTS = "registrations.manage_payouts"

finance_required = staff_required(MANAGE_PAYOUTS)
