"""`Authorization: Bearer cbk_…`: finding a presented key's token, and slowing down clients
that keep presenting bad ones."""

import logging
import secrets
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import PREFIX, ApiToken, hash_secret


def find_token(key):
    """The live token for a presented key, or None (constant-time comparison of the hash)."""
    if not key.startswith(PREFIX) or key.count("_") < 2:
        return None
    key_id, _sep, secret = key[len(PREFIX):].partition("_")
    token = ApiToken.objects.live().select_related("company", "created_by__membership").filter(key_id=key_id).first()
    if token is None or not secrets.compare_digest(token.digest, hash_secret(secret)):
        return None
    # A token acts for its creator: it stops when that person leaves the company or is deactivated.
    creator = token.created_by
    membership = getattr(creator, "membership", None)
    if not creator.is_active or membership is None or membership.company_id != token.company_id:
        return None
    return token


log = logging.getLogger(__name__)

# Failed token attempts per client address: a client that keeps presenting bad tokens is told
# to wait (429 with Retry-After instead of 401); good tokens from the same address still work.
FAILED_LIMIT, FAILED_WINDOW = 20, 300


def _failures_key(request):
    return f"api-auth-failures:{request.META.get('REMOTE_ADDR', '')}"


def _refuse_if_probing(request):
    try:
        failures = cache.get(_failures_key(request), 0)
    except Exception as error:  # noqa: BLE001 - no cache: tokens are still checked one by one
        log.warning("Bad-token count not read, the cache cannot be reached: %s", error)
        return
    if failures > FAILED_LIMIT:
        raise exceptions.Throttled(wait=FAILED_WINDOW)


def _count_failure(request):
    key = _failures_key(request)
    try:
        if not cache.add(key, 1, FAILED_WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, FAILED_WINDOW)
    except Exception as error:  # noqa: BLE001 - the 401 stands; only the count is lost
        log.warning("Bad token not counted, the cache cannot be reached: %s", error)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer cbk_…`. The request acts for the token's company; the user is
    the admin who created the token (for the audit trail of what it registers)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0].lower() != self.keyword.lower():  # the scheme is case-insensitive
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header is “Bearer” and the token."))
        token = find_token(header[1])
        if token is None:
            _count_failure(request)
            _refuse_if_probing(request)
            raise exceptions.AuthenticationFailed(
                _("This API token is unknown or was revoked, or the colleague who created it left the company.")
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # at most once a minute
        return token.created_by, token

    def authenticate_header(self, request):
        return self.keyword
