"""Who may open the desk: the campaign team, whatever part of it (review, finance, running the
campaign). Other staff go to the admin; installers get a 403."""

from functools import wraps

from django.shortcuts import redirect

from cashback.access import is_staff_with, staff_required

from ..documents.access import REVIEW_PERMISSION
from ..payouts.access import MANAGE_PAYOUTS

RUN_CAMPAIGN = "registrations.run_campaign"
TEAM_PERMISSIONS = (REVIEW_PERMISSION, MANAGE_PAYOUTS, RUN_CAMPAIGN)


def desk_required(view):
    team_only = staff_required(*TEAM_PERMISSIONS)(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not is_staff_with(user, *TEAM_PERMISSIONS):
            return redirect("admin:index")  # staff of another part of the work have the admin
        return team_only(request, *args, **kwargs)

    return wrapper
