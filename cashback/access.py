"""Who may open a staff page: active staff with one permission; others log in or get a 403."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def is_staff_with(user, permission):
    return user.is_authenticated and user.is_active and user.is_staff and user.has_perm(permission)


def staff_required(permission):
    """A view decorator: log in first, then active staff with `permission` only."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_staff_with(request.user, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
