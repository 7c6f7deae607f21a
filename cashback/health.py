"""Health checks for a load balancer, an orchestrator or a monitor: quick, without a login,
and saying nothing about the inside (what failed goes to the log).

- /health/ — the web process can serve: the database, the cache, the broker and the file
  storage answer. 200 {"status": "ok"}, else 503 {"status": "unavailable"}.
- /health/jobs/ — the worker and beat live: the heartbeat job, which beat sends every 30
  seconds and a worker runs, ran within HEARTBEAT_STALE_SECONDS.
"""

import logging
import time
from datetime import UTC, datetime

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "health:heartbeat"


def beat():
    """The heartbeat job's work: note that beat sent it and a worker ran it, now."""
    cache.set(HEARTBEAT_KEY, time.time(), None)


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache():
    cache.set("health:probe", 1, 30)
    if cache.get("health:probe") != 1:
        raise RuntimeError("the cache does not keep what it is given")


def _broker():
    with current_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)


def _storage():
    default_storage.exists("health-probe")  # a HEAD request on a bucket, a stat on a disk


CHECKS = {"database": _database, "cache": _cache, "broker": _broker, "storage": _storage}


def _answer(failed):
    if failed:
        log.error("health check failed: %s", ", ".join(failed))
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@never_cache
def web(request):
    failed = []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure is "unavailable"; the log says which
            log.warning("health: %s: %s", name, error)
            failed.append(name)
    return _answer(failed)


@never_cache
def jobs(request):
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception as error:  # noqa: BLE001
        log.warning("health: heartbeat: %s", error)
        last = None
    stale = last is None or time.time() - last > settings.HEARTBEAT_STALE_SECONDS
    if stale:
        log.warning("health: no heartbeat since %s", datetime.fromtimestamp(last, tz=UTC).isoformat() if last else "ever")
    return _answer(["heartbeat"] if stale else [])
