from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
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


class StaffSecondFactorMiddleware:
    """When STAFF_SECOND_FACTOR is on, campaign staff (they approve payouts) confirm their login
    with a code from an authenticator app before any page: the first time they set one up.
    After django-otp's middleware, which knows whether this session was confirmed."""

    OPEN = ("/staff/second-factor/", "/logout/", "/i18n/", "/static/", "/health/", "/favicon.ico")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (settings.STAFF_SECOND_FACTOR and user.is_authenticated and user.is_staff and not user.is_verified()
                and not request.path.startswith(self.OPEN)):
            return redirect(f"{reverse('second_factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
