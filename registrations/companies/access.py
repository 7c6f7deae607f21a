"""Who may open which installer page: people of an installer company, and its admins."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def company_required(view):
    """Logged in as a member of an installer company; staff without a company go to their desk."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.company is None:
            if request.user.is_staff:
                return redirect("desk")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def company_admin_required(view):
    @company_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.is_admin:
            messages.error(request, _("Only your company admin can do this."))
            return redirect("company")
        return view(request, *args, **kwargs)

    return wrapper
