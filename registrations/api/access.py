from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .models import ApiToken


def company_of(request):
    """The company a request acts for: the token's, or the logged-in user's."""
    if isinstance(request.auth, ApiToken):
        return request.auth.company
    return getattr(request.user, "company", None)  # AnonymousUser has none


class IsCompanyUser(BasePermission):
    message = _("Only users of an installer company can use this API.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and company_of(request) is not None)
