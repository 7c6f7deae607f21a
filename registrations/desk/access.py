"""Who may open the desk: the campaign team, whatever part of it (review, finance, running the
campaign). Other staff go to the admin; installers get a 403."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from ..documents.access import REVIEW_PERMISSION
from ..payouts.access import MANAGE_PAYOUTS

RUN_CAMPAIGN = "registrations.run_campaign"
TEAM_PERMISSIONS = (REVIEW_PERMISSION, MANAGE_PAYOUTS, RUN_CAMPAIGN)


def is_campaign_team(user):
    return (user.is_authenticated and user.is_active and user.is_staff
            and any(user.has_perm(permission) for permission in TEAM_PERMISSIONS))


def desk_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_campaign_team(request.user):
            if request.user.is_active and request.user.is_staff:
                return redirect("admin:index")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
