"""Who may review documents and decide: campaign staff with the review permission."""

from cashback.access import is_staff_with, staff_required

REVIEW_PERMISSION = "registrations.review_registration"

reviewer_required = staff_required(REVIEW_PERMISSION)


def is_reviewer(user):
    return is_staff_with(user, REVIEW_PERMISSION)
