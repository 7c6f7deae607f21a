"""API tokens: created and revoked by a company admin, shown once, stored as a hash."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from cashback.scoping import CompanyScopedQuerySet

PREFIX = "cbk_"


def _digest(secret):
    # A random 256-bit secret needs no slow hash: nobody can guess it from its SHA-256.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(CompanyScopedQuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    company = models.ForeignKey("registrations.Company", on_delete=models.CASCADE, related_name="api_tokens",
                                verbose_name=_("company"))
    name = models.CharField(_("name"), max_length=60, help_text=_("Which software uses it, e.g. “ERP production”."))
    key_id = models.CharField(_("key id"), max_length=12, unique=True)
    digest = models.CharField(_("hash"), max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.company_id})"

    @property
    def hint(self):
        return f"{PREFIX}{self.key_id}_…"


def create_token(company, *, name, user):
    """Returns (token, the full key). The key is shown once: only its hash is kept."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = ApiToken.objects.create(company=company, name=name.strip()[:60] or "API", key_id=key_id,
                                    digest=_digest(secret), created_by=user)
    return token, f"{PREFIX}{key_id}_{secret}"


def revoke_token(token, *, user):
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(),
                                                                             revoked_by=user)


def find_token(key):
    """The live token for a presented key, or None (constant-time comparison of the hash)."""
    if not key.startswith(PREFIX) or key.count("_") < 2:
        return None
    key_id, _sep, secret = key[len(PREFIX):].partition("_")
    token = ApiToken.objects.live().select_related("company", "created_by__membership").filter(key_id=key_id).first()
    if token is None or not secrets.compare_digest(token.digest, _digest(secret)):
        return None
    # A token acts for its creator: it stops when that person leaves the company or is deactivated.
    creator = token.created_by
    membership = getattr(creator, "membership", None)
    if not creator.is_active or membership is None or membership.company_id != token.company_id:
        return None
    return token


# Failed token attempts per client address: a client that keeps presenting bad tokens is told
# to wait (429 with Retry-After instead of 401); good tokens from the same address still work.
FAILED_LIMIT, FAILED_WINDOW = 20, 300


def _failures_key(request):
    return f"api-auth-failures:{request.META.get('REMOTE_ADDR', '')}"


def _refuse_if_probing(request):
    from django.core.cache import cache

    if cache.get(_failures_key(request), 0) > FAILED_LIMIT:
        raise exceptions.Throttled(wait=FAILED_WINDOW)


def _count_failure(request):
    from django.core.cache import cache

    key = _failures_key(request)
    if not cache.add(key, 1, FAILED_WINDOW):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, FAILED_WINDOW)


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
