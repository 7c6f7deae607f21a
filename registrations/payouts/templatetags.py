"""Template tags of the payouts for other packages' pages (`{% load payouts %}`, registered in
settings.TEMPLATES): the status overview shows what waits for the company's bank details."""

from django import template

from .selectors import has_bank_details, waiting_for_bank_details

register = template.Library()


@register.inclusion_tag("payouts/_waiting_for_bank.html", takes_context=True)
def bank_details_reminder(context):
    """A company without bank details: what waits for them (count and cashback of accepted
    registrations), or, for its admin, that they are still to be entered."""
    request = context["request"]
    if has_bank_details(request.company):
        return {}
    count, cents = waiting_for_bank_details(request.company)
    return {"missing": True, "count": count, "cents": cents, "is_admin": request.membership.is_admin}
