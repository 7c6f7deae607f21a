from django.utils import translation

from .models import Membership


class CompanyMiddleware:
    """Puts the logged-in installer's membership and company on the request (None for others)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = request.company = None
        if request.user.is_authenticated:
            request.membership = Membership.objects.select_related("company").filter(user=request.user).first()
            request.company = request.membership.company if request.membership else None
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in person sees the portal in their language wherever they log in from: their
    choice (the language switch), else their company's; the browser's only for anyone else.

    After CompanyMiddleware, so the company is known; the locale middleware before it has
    already picked the browser's language for visitors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            membership = request.membership
            language = request.user.language or (membership.company.language if membership else "")
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
