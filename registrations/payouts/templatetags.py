"""Template tags of the payouts for other packages' pages (`{% load payouts %}`, registered in
settings.TEMPLATES): the status overview shows what waits for the company's bank details."""

from django import template

from .selectors import waiting_for_bank_details

register = template.Library()


@register.inclusion_tag("payouts/_waiting_for_bank.html", takes_context=True)
def bank_details_reminder(context):
    """Accepted registrations (count and cashback) held out of payouts for want of bank details."""
    count, cents = waiting_for_bank_details(context["request"].company)
    return {"count": count, "cents": cents}
