"""Who may open a staff page: active staff with one of its permissions; others log in or get a 403."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def is_staff_with(user, *permissions):
    """Active staff holding any of `permissions`."""
    return (user.is_authenticated and user.is_active and user.is_staff
            and any(user.has_perm(permission) for permission in permissions))


def staff_required(*permissions):
    """A view decorator: log in first, then active staff with one of `permissions` only."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_staff_with(request.user, *permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
