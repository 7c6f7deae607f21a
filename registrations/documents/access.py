"""Who may review documents and decide: campaign staff with the review permission."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

REVIEW_PERMISSION = "registrations.review_registration"


def is_reviewer(user):
    return user.is_authenticated and user.is_active and user.is_staff and user.has_perm(REVIEW_PERMISSION)


def reviewer_required(view):
    """Campaign staff allowed to review documents and decide."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_reviewer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
