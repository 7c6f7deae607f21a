from django.utils.functional import SimpleLazyObject

from . import selectors


def portal(request):
    company = getattr(request, "company", None)
    return {
        "company": company,
        "membership": getattr(request, "membership", None),
        # Only queried by pages that show the "Register a device" link.
        "current_campaign": SimpleLazyObject(lambda: selectors.current_campaign(company)),
    }
