"""HTTP client for one monitoring portal's customer-number feed (FEED.md).

Tokens: Authlib's OAuth2Session with the client-credentials grant fetches a token, reuses it
until shortly before it expires and fetches a new one then; a 401 (a token the portal dropped
early) gets one new token and one more try. Retries: urllib3's Retry on the session's adapter,
with exponential backoff and jitter on 429, 5xx and connection errors, bounded in number and
in sleep (a Retry-After is honoured up to the same cap). Every call has a timeout.
"""

import logging
import re
from dataclasses import dataclass
from urllib.parse import quote

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .feed import FeedError, sightings

log = logging.getLogger(__name__)


class PortalError(Exception):
    """A portal's answer for one customer number could not be used."""

    def __init__(self, portal, message):
        super().__init__(f"{portal}: {message}")
        self.portal = portal
        self.message = message


class PortalUnavailable(PortalError):
    """The portal itself did not answer: no token, no connection, timeouts, 5xx or 429 after
    the retries. Only these count towards leaving a portal alone for the rest of a run."""


@dataclass(frozen=True)
class PortalConfig:
    name: str  # sunny_portal | ennexos
    base_url: str
    client_id: str
    client_secret: str
    token_url: str = ""  # default: {base_url}/oauth2/token

    @property
    def configured(self):
        return bool(self.base_url and self.client_id)


def configured_portals():
    return [PortalConfig(**options) for options in settings.PORTALS if options.get("base_url")]


class CappedRetry(Retry):
    """Retry whose wait after a Retry-After header is capped like the backoff is."""

    def get_retry_after(self, response):
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, self.backoff_max)


def make_retry():
    options = settings.PORTAL_RETRY
    return CappedRetry(
        total=options["attempts"],
        connect=options["attempts"],
        read=options["attempts"],
        status=options["attempts"],
        backoff_factor=options["backoff"],
        backoff_max=options["backoff_max"],
        backoff_jitter=options["jitter"],
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "POST"}),  # POST: the token request, which is safe to repeat
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer is returned and reported, not an urllib3 error
    )


class PortalClient:
    """One portal, one session (use one client per thread)."""

    def __init__(self, config, *, timeout=None, page_size=None):
        self.config = config
        self.page_size = page_size or settings.PORTAL_PAGE_SIZE
        self.session = OAuth2Session(
            client_id=config.client_id,
            client_secret=config.client_secret,
            token_endpoint=config.token_url or f"{config.base_url}/oauth2/token",
            grant_type="client_credentials",
            token_endpoint_auth_method="client_secret_basic",
            leeway=30,
            default_timeout=timeout or settings.PORTAL_TIMEOUT,
        )
        adapter = HTTPAdapter(max_retries=make_retry(), pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @property
    def name(self):
        return self.config.name

    def close(self):
        self.session.close()

    def _token(self):
        try:
            self.session.fetch_token()
        except (OAuthError, requests.RequestException, ValueError) as error:
            raise PortalUnavailable(self.name, f"no access token ({_describe(error)})") from None

    def get(self, path, params=None):
        if not self.session.token:
            self._token()
        url = f"{self.config.base_url}{path}"
        for attempt in (1, 2):
            try:
                response = self.session.get(url, params=params)
            except (OAuthError, requests.RequestException) as error:
                raise PortalUnavailable(self.name, _describe(error)) from None
            if response.status_code == 401 and attempt == 1:
                log.info("%s: token refused, fetching a new one", self.name)
                self._token()
                continue
            if response.status_code == 429 or response.status_code >= 500:
                raise PortalUnavailable(self.name, f"HTTP {response.status_code} for {path}")
            if response.status_code != 200:
                raise PortalError(self.name, f"HTTP {response.status_code} for {path}")
            try:
                return response.json()
            except ValueError:
                raise PortalError(self.name, f"not JSON from {path}") from None
        raise PortalError(self.name, f"HTTP 401 for {path} with a new token")  # pragma: no cover

    def sightings(self, customer_number):
        """Every device on the profiles of this customer number, following the pages."""
        path = f"/v1/customers/{quote(customer_number, safe='')}/profiles"
        found, page, pages = [], 1, 0
        while page:
            body = self.get(path, {"page": page, "pageSize": self.page_size})
            try:
                found.extend(sightings(self.name, customer_number, body))
                next_page = (body.get("paging") or {}).get("nextPage")
            except (FeedError, AttributeError, TypeError, ValueError) as error:
                raise PortalError(self.name, f"unexpected answer: {error}") from None
            pages += 1
            if next_page is not None and (type(next_page) is not int or next_page <= page or pages >= 1000):
                raise PortalError(self.name, f"unexpected answer: nextPage {next_page!r} after page {page}")
            page = next_page
        return found


def _describe(error):
    """What went wrong, without URLs (they may carry credentials; runs are shown in the admin)."""
    # requests reports a read timeout that outlived the retries as a ConnectionError.
    if isinstance(error, requests.Timeout) or "timed out" in str(error).lower():
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "cannot connect"
    if isinstance(error, requests.exceptions.RetryError):
        return "gave up after retries"
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code}"
    if isinstance(error, OAuthError):
        return f"OAuth error {getattr(error, 'error', '')}".strip()
    return _URL.sub("<url>", str(error))[:200] or type(error).__name__


_URL = re.compile(r"https?://\S+")
