"""Logs an operator can search: one line per request and per job, with the request id, who
(a user's or an API token's id, never a password, a token or an IBAN), how long and how it
ended. JSON lines in production (LOG_FORMAT=json), plain text in development.
"""

import logging
import re
import time
import uuid

from celery import signals

log = logging.getLogger("cashback.request")
jobs = logging.getLogger("cashback.job")

# A request id that a proxy sends along is kept when it looks like one (no log injection).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    """First in the chain: it sees every request, including those the others refuse."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        started = time.perf_counter()
        response = None
        try:
            response = self.get_response(request)
            return response
        finally:
            self._log(request, response, time.perf_counter() - started)
            if response is not None:
                response["X-Request-ID"] = request.id

    @staticmethod
    def _log(request, response, seconds):
        user = getattr(request, "user", None)
        token = getattr(request, "auth", None)
        status = response.status_code if response is not None else 500
        path = _without_secrets(request)
        log.log(
            logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO,
            "%s %s %s %.0f ms", request.method, path, status, seconds * 1000,
            extra={
                "request_id": request.id, "method": request.method, "path": path, "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "user_id": user.pk if user is not None and getattr(user, "is_authenticated", False) else None,
                "token_id": getattr(token, "pk", None),
            },
        )


# Parts of a path that are keys to something (an invitation, a password reset link).
_SECRET_PARTS = ("token", "uidb64")


def _without_secrets(request):
    path, match = request.path, getattr(request, "resolver_match", None)
    for name in _SECRET_PARTS:
        value = match.kwargs.get(name) if match else None
        if value:
            path = path.replace(str(value), "…")
    return path


_started = {}


@signals.task_prerun.connect
def _job_started(task_id=None, **kwargs):
    _started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _job_finished(task_id=None, task=None, args=None, state=None, **kwargs):
    seconds = time.perf_counter() - _started.pop(task_id, time.perf_counter())
    # Jobs take ids (cashback.queue), so their arguments are safe to log.
    jobs.log(
        logging.INFO if state == "SUCCESS" else logging.ERROR,
        "%s %s %s %.0f ms", task.name if task else "?", task_id, state, seconds * 1000,
        extra={"task": task.name if task else None, "task_id": task_id, "task_args": list(args or ()), "outcome": state,
               "duration_ms": round(seconds * 1000, 1)},
    )
