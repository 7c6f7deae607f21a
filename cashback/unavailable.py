"""The portal briefly away: the database cannot be reached, or staff put it in maintenance
(MAINTENANCE=1 while they migrate). Pages and the API answer 503 with Retry-After, in the
reader's language, without touching the database."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _


def unavailable(request):
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "unavailable", "message": _("The service is briefly unavailable; try "
                                                                     "again in a few minutes.")}, status=503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = "60"
    return response


def maintenance(get_response):
    """Every page and the API answer 503 while MAINTENANCE is on; static files still load."""

    def middleware(request):
        if settings.MAINTENANCE and not request.path.startswith(settings.STATIC_URL):
            return unavailable(request)
        return get_response(request)

    return middleware
