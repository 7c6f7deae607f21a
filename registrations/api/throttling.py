import logging

from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken

log = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    """Per token (per user for session requests); 429 with Retry-After when exceeded."""

    scope = "api"

    def allow_request(self, request, view):
        # The counts live in the cache; a cache that cannot be reached lets the request through
        # rather than failing the whole API (the database still guards every write).
        try:
            return super().allow_request(request, view)
        except Exception as error:  # noqa: BLE001 - whatever the cache's client raises
            log.warning("API throttle skipped, the cache cannot be reached: %s", error)
            return True

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
