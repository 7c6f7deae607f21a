from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def portal_urls_are_https(app_configs, **kwargs):
    """Client secrets and bearer tokens travel to these URLs: in production only over TLS,
    and never with credentials in the URL (errors and logs would show them)."""
    problems = []
    for portal in settings.PORTALS:
        for key in ("base_url", "token_url"):
            url = portal.get(key) or ""
            if not url:
                continue
            parts = urlsplit(url)
            if parts.username or parts.password:
                problems.append(checks.Error(f"{portal['name']} {key} carries credentials", id="portal_sync.E001"))
            if parts.scheme != "https" and not settings.DEBUG:
                problems.append(checks.Error(f"{portal['name']} {key} is not https: {parts.scheme}://{parts.hostname}",
                                             id="portal_sync.E002"))
    return problems
