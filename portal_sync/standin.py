"""A local stand-in for the monitoring portals' customer-number feed (FEED.md).

Serves both portals from one JSON data file, with the token endpoint, paging and switchable
faults (500s, 429s, slow answers, tokens that stop working early, a portal that is down), for
`make run`, the tests and the benchmark. Standard library only: it must start anywhere.
"""

import base64
import json
import random
import secrets
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .feed import normalize_customer_number

PORTALS = {"sunny-portal": "sunny_portal", "ennexos": "ennexos"}
DEMO_CLIENTS = {
    "sunny_portal": {"client_id": "demo-sp", "client_secret": "demo-sp-secret"},
    "ennexos": {"client_id": "demo-ennexos", "client_secret": "demo-ennexos-secret"},
}
MAX_PAGE_SIZE = 200


@dataclass
class Faults:
    """What goes wrong, switchable while the server runs (tests change it between calls)."""

    fail_rate: float = 0.0  # share of feed calls answered 500
    fail_first: int = 0  # the first N feed calls are answered 500
    throttle_every: int = 0  # every Nth feed call is answered 429
    throttle_first: int = 0  # the first N feed calls are answered 429
    retry_after: int = 1  # seconds, in the 429's Retry-After
    delay: float = 0.0  # seconds before each answer
    token_ttl: float | None = None  # tokens stop working after this many seconds (401)
    expires_in: int = 3600  # what the token answer promises
    down: set = field(default_factory=set)  # portals answering 503 to everything
    fail_customers: set = field(default_factory=set)  # customer numbers answered 500
    seed: int = 0


class StandinPortal:
    """The data and state of the stand-in: profiles per portal and customer number, tokens,
    a count and a log of the calls."""

    def __init__(self, data, faults=None):
        self.faults = faults or Faults()
        self.clients = {**DEMO_CLIENTS, **(data.get("clients") or {})}
        self.profiles = {}
        self.load(data)
        self.tokens = {}  # token -> (portal, issued at)
        self.calls = deque(maxlen=100_000)  # (portal, path, status), for tests
        self.feed_calls = 0
        self.in_flight = 0
        self.lock = threading.Lock()
        self.random = random.Random(self.faults.seed)

    def wait_idle(self, timeout=5.0):
        """Until no request is being answered (a test's slow calls must not land in the next's log)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not self.in_flight:
                    return True
            time.sleep(0.02)
        return False

    def reset(self, faults=None):
        """No faults, no tokens, no calls counted (tests reuse one server)."""
        with self.lock:
            self.faults = faults or Faults()
            self.random = random.Random(self.faults.seed)
            self.tokens.clear()
            self.calls.clear()
            self.feed_calls = 0

    def load(self, data):
        profiles = {}
        for portal in PORTALS.values():
            by_number = {}
            for profile in (data.get("portals", {}).get(portal) or {}).get("profiles", []):
                by_number.setdefault(normalize_customer_number(profile.get("customerNumber")), []).append(profile)
            profiles[portal] = by_number
        self.profiles = profiles

    def issue_token(self, portal):
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = (portal, time.monotonic())
        return token

    def token_valid(self, portal, token):
        with self.lock:
            issued = self.tokens.get(token)
        if issued is None or issued[0] != portal:
            return False
        ttl = self.faults.token_ttl
        return ttl is None or time.monotonic() - issued[1] < ttl

    def expire_tokens(self):
        with self.lock:
            self.tokens.clear()

    def next_feed_fault(self, customer_number):
        """None, or the (status, headers) this feed call gets instead of its data."""
        f = self.faults
        with self.lock:
            self.feed_calls += 1
            n = self.feed_calls
            roll = self.random.random()
        if n <= f.throttle_first or (f.throttle_every and n % f.throttle_every == 0):
            return HTTPStatus.TOO_MANY_REQUESTS, {"Retry-After": str(f.retry_after)}
        if n <= f.throttle_first + f.fail_first or roll < f.fail_rate:
            return HTTPStatus.INTERNAL_SERVER_ERROR, {}
        if normalize_customer_number(customer_number) in f.fail_customers:
            return HTTPStatus.INTERNAL_SERVER_ERROR, {}
        return None

    def page(self, portal, customer_number, page, page_size):
        profiles = self.profiles[portal].get(normalize_customer_number(customer_number), [])
        start = (page - 1) * page_size
        chunk = profiles[start : start + page_size]
        return {
            "customerNumber": customer_number,
            "profiles": chunk,
            "paging": {
                "page": page, "pageSize": page_size, "totalCount": len(profiles),
                "nextPage": page + 1 if start + page_size < len(profiles) else None,
            },
        }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses its connection
    # Headers and body go out in two writes; with Nagle's algorithm on, the second waits for
    # the client's delayed ACK (about 40 ms a call on a kept-alive connection).
    disable_nagle_algorithm = True
    server_version = "PortalStandin/1"

    @property
    def portal(self):
        return self.server.portal

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    def do_POST(self):
        self._serve("POST")

    def do_GET(self):
        self._serve("GET")

    def _serve(self, method):
        with self.portal.lock:
            self.portal.in_flight += 1
        try:
            self._answer(method)
        finally:
            with self.portal.lock:
                self.portal.in_flight -= 1

    def _answer(self, method):
        # Read the body first, whatever the answer: on a kept-alive connection an unread body
        # would be taken for the next request.
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        faults = self.portal.faults
        if faults.delay:
            time.sleep(faults.delay)
        parts = urlsplit(self.path)
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        name = PORTALS.get(segments[0]) if segments else None
        if name is None:
            return self._json(HTTPStatus.NOT_FOUND, {"error": "not_found", "message": "unknown portal"}, name)
        if name in faults.down:
            return self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "unavailable", "message": "down"}, name)
        route = segments[1:]
        if method == "POST" and route == ["oauth2", "token"]:
            return self._token(name)
        if method == "GET" and len(route) == 4 and route[:2] == ["v1", "customers"] and route[3] == "profiles":
            return self._profiles(name, route[2], parse_qs(parts.query))
        return self._json(HTTPStatus.NOT_FOUND, {"error": "not_found", "message": self.path}, name)

    def _token(self, name):
        form = {k: v[0] for k, v in parse_qs(self.body.decode()).items()}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                client_id = secret = None
        expected = self.portal.clients.get(name, {})
        if form.get("grant_type") != "client_credentials":
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "unsupported_grant_type"}, name)
        if (client_id, secret) != (expected.get("client_id"), expected.get("client_secret")):
            return self._json(HTTPStatus.UNAUTHORIZED, {"error": "invalid_client"}, name)
        return self._json(HTTPStatus.OK, {
            "access_token": self.portal.issue_token(name), "token_type": "Bearer",
            "expires_in": self.portal.faults.expires_in,
        }, name)

    def _profiles(self, name, customer_number, query):
        header = self.headers.get("Authorization", "")
        if not (header.startswith("Bearer ") and self.portal.token_valid(name, header[7:])):
            return self._json(HTTPStatus.UNAUTHORIZED, {"error": "invalid_token", "message": "token expired"}, name)
        fault = self.portal.next_feed_fault(customer_number)
        if fault:
            status, headers = fault
            return self._json(status, {"error": status.phrase.lower(), "message": "injected fault"}, name, headers)
        try:
            page = int(query.get("page", ["1"])[0])
            page_size = int(query.get("pageSize", ["50"])[0])
            if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
                raise ValueError
        except ValueError:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "bad_request", "message": "page/pageSize"}, name)
        return self._json(HTTPStatus.OK, self.portal.page(name, customer_number, page, page_size), name)

    def _json(self, status, body, portal, headers=None):
        payload = json.dumps(body, separators=(",", ":")).encode()
        # Logged before answering: a test that got the answer finds the call in the log.
        with self.portal.lock:
            self.portal.calls.append((portal, urlsplit(self.path).path, int(status)))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)


class StandinServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, portal, verbose=False):
        super().__init__(address, _Handler)
        self.portal = portal
        self.verbose = verbose

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that gave up waiting (timeouts are one of the faults)
        super().handle_error(request, client_address)

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def start_in_thread(data, faults=None, host="127.0.0.1", port=0):
    """For tests and benchmarks: a running stand-in; call .shutdown() when done."""
    server = StandinServer((host, port), StandinPortal(data, faults))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return server
