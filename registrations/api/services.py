"""Writes of API tokens: the key is shown once, only its hash is kept."""

import secrets

from django.db import transaction
from django.utils import timezone

from .models import PREFIX, ApiToken, hash_secret


def create_token(company, *, name, user):
    """Returns (token, the full key). The key is shown once: only its hash is kept."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = ApiToken.objects.create(company=company, name=name.strip()[:60] or "API", key_id=key_id,
                                    digest=hash_secret(secret), created_by=user)
    return token, f"{PREFIX}{key_id}_{secret}"


def revoke_token(token, *, user):
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(),
                                                                             revoked_by=user)
