"""Who may open the finance pages: staff with the payout permission."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

MANAGE_PAYOUTS = "registrations.manage_payouts"


def finance_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_staff and request.user.has_perm(MANAGE_PAYOUTS)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
