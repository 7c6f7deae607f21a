"""Shared set-up for the bench scripts: a PostgreSQL database of their own, migrated.

DATABASE_URL picks another database; by default postgres://postgres@127.0.0.1:5432/cashback_bench
(created when missing). The bench data never touches the development database.
"""

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cashback_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cashback.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# Production settings but plain HTTP on loopback, and staff pages without the second factor.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("STAFF_SECOND_FACTOR", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # a log line per request is real work, but not to read here


def setup(migrate=True):
    """Create the database if needed, set Django up, and (unless told not to) migrate it."""
    if not migrate:
        import django

        django.setup()
        return
    import dj_database_url

    url = os.environ["DATABASE_URL"]
    config = dj_database_url.parse(url)
    if config["ENGINE"].endswith("postgresql"):
        import psycopg2

        admin = psycopg2.connect(
            dbname="postgres", user=config["USER"], host=config["HOST"], port=config["PORT"] or 5432,
            password=config["PASSWORD"] or None,
        )
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
            if not cursor.fetchone():
                cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
        admin.close()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)  # DEBUG is off: hashed static names


def recreate_database():
    """Drop the bench's PostgreSQL database (setup() creates it again, empty)."""
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    admin = psycopg2.connect(dbname="postgres", user=config["USER"], host=config["HOST"],
                             port=config["PORT"] or 5432, password=config["PASSWORD"] or None)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
    admin.close()


def median(values):
    return statistics.median(values)


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


class QueryCounter:
    """Counts the SQL statements run inside `with connection.execute_wrapper(counter):`.

    Not CaptureQueriesContext: a request resets the connection's query log when it starts.
    """

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def peak_rss_mb():
    """This process's own peak resident memory (VmHWM). Not ru_maxrss: on Linux that carries
    over the parent's peak through fork and exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
