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
