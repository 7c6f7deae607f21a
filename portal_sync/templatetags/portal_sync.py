from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("portal_sync/_overview_card.html", takes_context=True)
def portal_sync_card(context):
    """The overview's line about the monitoring portals: last sync, what came in, what did not."""
    company = context["request"].company
    return {"sync": selectors.company_sync(company), "company": company}
