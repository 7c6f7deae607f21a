"""The local stand-in for the monitoring portals' feed (portal_sync/FEED.md)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal_sync.standin import Faults, StandinPortal, StandinServer


class Command(BaseCommand):
    help = "Serve the customer-number feed of both portals from a JSON file, with optional faults."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--data", required=True, help="JSON data file (see portal_sync/FEED.md)")
        faults = parser.add_argument_group("faults")
        faults.add_argument("--fail-rate", type=float, default=0.0, help="share of feed calls answered 500")
        faults.add_argument("--fail-first", type=int, default=0, help="answer the first N feed calls with 500")
        faults.add_argument("--throttle-every", type=int, default=0, help="answer every Nth feed call with 429")
        faults.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds of a 429")
        faults.add_argument("--delay", type=float, default=0.0, help="seconds before every answer")
        faults.add_argument("--token-ttl", type=float, default=None,
                            help="tokens stop working after this many seconds, long before they say")
        faults.add_argument("--down", action="append", default=[], choices=["sunny_portal", "ennexos"],
                            help="this portal answers 503 to everything (repeatable)")
        faults.add_argument("--seed", type=int, default=0, help="seed of --fail-rate")
        parser.add_argument("--verbose-log", action="store_true", help="log every request")

    def handle(self, *args, **o):
        path = Path(o["data"])
        if not path.exists():
            raise CommandError(f"{path} does not exist (`manage.py seed_demo` writes var/portal-standin.json)")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise CommandError(f"{path} is not JSON: {error}") from None
        faults = Faults(fail_rate=o["fail_rate"], fail_first=o["fail_first"], throttle_every=o["throttle_every"],
                        retry_after=o["retry_after"], delay=o["delay"], token_ttl=o["token_ttl"],
                        down=set(o["down"]), seed=o["seed"])
        server = StandinServer((o["host"], o["port"]), StandinPortal(data, faults), verbose=o["verbose_log"])
        profiles = sum(len(v) for portal in server.portal.profiles.values() for v in portal.values())
        self.stdout.write(f"Portal stand-in on {server.url}/sunny-portal and {server.url}/ennexos "
                          f"({profiles} profiles from {path}); Ctrl-C stops it.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
