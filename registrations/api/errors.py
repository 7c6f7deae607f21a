"""Every API error as JSON with a stable `code` and a message in the requested language."""

import sys

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cashback.errors import DomainError
from cashback.unavailable import unavailable

from ..core.errors import InvalidTransition, NotEnrolled

_DOMAIN_STATUS = {NotEnrolled: 403, InvalidTransition: 409}


def handle(exc, context):
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        return Response({"code": "request_too_large", "message": _("The request is too large.")}, status=413)
    if isinstance(exc, DomainError):
        code = next((s for cls, s in _DOMAIN_STATUS.items() if isinstance(exc, cls)), 400)
        return Response({"code": exc.code, "message": str(exc.message), "field": exc.field}, status=code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()), ("", [""]))
        response.data = {
            "code": "invalid_input",
            "message": f"{first[0]}: {first[1][0]}" if first[0] else _("The request is not valid."),
            "fields": fields,
        }
        return response
    if isinstance(exc, exceptions.NotFound):
        response.data = {"code": "not_found", "message": _("Not found.")}
        return response
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if isinstance(code, (list, dict)):
        code = "error"
    response.data = {"code": code, "message": str(getattr(exc, "detail", exc))}
    if isinstance(exc, exceptions.Throttled):
        response.status_code = status.HTTP_429_TOO_MANY_REQUESTS
    return response


def _flatten(detail, prefix=""):
    """{"devices.3.serial": ["…"]} from DRF's nested error structure."""
    out = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, "" if name == "non_field_errors" else name))
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            out[prefix or "request"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "request"] = [str(detail)]
    return out


def not_found(request, exception=None):
    """Django's 404 for URLs no view matched: JSON under /api/, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """Django's 500 for everything DRF did not handle: JSON under /api/, the portal's page in
    the reader's language elsewhere. The database away is a 503 (it passes; try again)."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "message": _("Something went wrong on our side; try again "
                                                                  "later.")}, status=500)
    return defaults.server_error(request)


def bad_request(request, exception=None):
    if request.path.startswith("/api/"):
        if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
            return JsonResponse({"code": "request_too_large", "message": _("The request is too large.")}, status=413)
        return JsonResponse({"code": "bad_request", "message": _("The request is not valid.")}, status=400)
    return defaults.bad_request(request, exception)
