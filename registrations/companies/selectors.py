"""Reads about a company: its place in the campaigns (which are open, which it is enrolled in)
and its people."""

from devices.models import Campaign

from .choices import Role
from .models import Membership


def open_campaigns():
    return Campaign.objects.open_for_enrolment()


def current_campaign(company):
    """The open campaign the company registers in now (the newest it is enrolled in), or None."""
    if company is None:
        return None
    return open_campaigns().filter(enrolments__company=company).first()


def enrolled_campaigns(company):
    """The campaigns the company takes part in, newest first (a list: pages ask how many)."""
    return list(Campaign.objects.filter(enrolments__company=company).order_by("-installation_starts_on", "-id"))


def campaign_to_enrol(company):
    """An open campaign the company has not enrolled in yet, or None."""
    return open_campaigns().exclude(enrolments__company=company).first()


def admin_emails(company):
    """The addresses of the company's active admins."""
    return list(
        Membership.objects.filter(company=company, role=Role.ADMIN, user__is_active=True).values_list(
            "user__email", flat=True
        )
    )
