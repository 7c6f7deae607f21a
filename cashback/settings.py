"""Settings for the installer cashback portal.

Everything that differs between a laptop, CI and production comes from environment
variables (see the table in README.md). The defaults give the embedded setup that
`make run` serves: SQLite, local files, a file-system message queue, no Redis.
"""

import os
from pathlib import Path

from datetime import timedelta

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=""):
    return os.environ.get(name, default)


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def env_bool(name, default=False):
    """A yes/no setting. Anything but the usual words is refused: a typo such as DEBUG=flase
    must not quietly mean "off" (or "on")."""
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value not in _TRUE + _FALSE:
        raise ImproperlyConfigured(f"{name}={os.environ[name]!r}: use one of {', '.join(_TRUE + _FALSE)}")
    return value in _TRUE


def _env_number(name, default, kind):
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    try:
        return kind(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={os.environ[name]!r}: a {kind.__name__} is needed") from None


def env_int(name, default):
    return _env_number(name, default, int)


def env_float(name, default):
    return _env_number(name, default, float)


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# Every page and the API answer 503 ("briefly unavailable") while staff work on the portal.
MAINTENANCE = env_bool("MAINTENANCE", False)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-secret-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Local state of the embedded default (SQLite, file-system queue, cache, uploaded files). The
# folders are made when the project starts (cashback.apps), not when settings are read.
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "cashback",
    "devices",
    "registrations",
    "portal_sync",
]

MIDDLEWARE = [
    "cashback.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is chosen (from the browser and cookie: it reads no database).
    "cashback.unavailable.maintenance",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "registrations.companies.middleware.CompanyMiddleware",
    "registrations.companies.middleware.UserLanguageMiddleware",
    # After the language: the page asking for the code is in the reader's.
    "registrations.companies.middleware.StaffSecondFactorMiddleware",
    # Last (django-axes asks it): it answers a locked-out login with its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cashback.urls"
WSGI_APPLICATION = "cashback.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "registrations.companies.context_processors.portal",
            ],
            # Tag libraries of the registrations packages, for other packages' pages (an app's
            # own libraries are found in its templatetags folder).
            "libraries": {"payouts": "registrations.payouts.templatetags"},
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'cashback.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        # A kept connection is checked before each request reuses it: after a quiet restart of
        # PostgreSQL the first request gets a new one instead of an error.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat write to the same file: take the write
    # lock at BEGIN and wait for it instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "registrations.User"
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"

# Dutch first: the campaign runs in the Benelux and the brief's labels are Dutch.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates as in Europe (cashback/formats/en); Dutch and French are Django's own.
FORMAT_MODULE_PATH = ["cashback.formats"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: documents go through a checked view
# Uploaded files (Excel uploads, documents) go to local files, or to a private S3-compatible
# bucket when S3_BUCKET is set. Either way they are only served through views that check
# who asks; the bucket never hands out public URLs.
S3_BUCKET = env_str("S3_BUCKET")


def s3_storage(bucket, *, endpoint_url=None, region=None, access_key=None, secret_key=None, prefix=""):
    """The private-bucket storage (the tests use this too, against moto's server)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "location": prefix,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            # Files read back (downloads, uploaded workbooks) spill to disk above 5 MB.
            "max_memory_size": 5_000_000,
        },
    }


STORAGES = {
    "default": s3_storage(
        S3_BUCKET, endpoint_url=env_str("S3_ENDPOINT_URL"), region=env_str("S3_REGION"),
        access_key=env_str("S3_ACCESS_KEY_ID"), secret_key=env_str("S3_SECRET_ACCESS_KEY"), prefix=env_str("S3_PREFIX"),
    )
    if S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Redis, when configured, is the cache and the Celery broker.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "cashback"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Celery: Redis when REDIS_URL is set, otherwise kombu's file-system transport, a real
# queue in var/broker that the web process and the worker share without any server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
if CELERY_BROKER_URL.startswith("redis"):
    # A message a worker took but never acknowledged (the worker was killed) comes back after
    # this long: longer than the longest job may run (CELERY_TASK_TIME_LIMIT), so that a job
    # still running is never handed to a second worker by Redis.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1800)
# A pool child killed while it runs a job (the kernel's OOM killer) gives the message back.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2)
# The outbox (cashback.queue): a running job without a heartbeat for this long is handed over
# again; a job that raised waits this long, doubled per run, before its next run.
JOB_STALL_SECONDS = env_int("JOB_STALL_SECONDS", 300)
JOB_RETRY_SECONDS = env_int("JOB_RETRY_SECONDS", 30)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Email: printed on the console unless an SMTP host is configured.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SMA Cashback <cashback@example.com>")

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
# HTTPS only, in production: plain HTTP is redirected (but the health check, which a load
# balancer asks over plain HTTP on the inside), and browsers are told to come back over HTTPS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
# The header only allows browsers' preload lists; the domain gets on one when its owner asks.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)

# Content-Security-Policy on every page (django-csp): scripts and styles only from the portal's
# own static files, never inline; documents get a stricter one of their own (documents.views).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'self'"],  # a PDF shown in the review screen
        "frame-ancestors": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

# Password guessing (django-axes): an account or an address with AXES_FAILURE_LIMIT failed
# logins is locked out for AXES_COOLOFF_MINUTES; the page says so and offers a password reset.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "registrations.companies.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = 1 if env_bool("BEHIND_TLS_PROXY") else None
AXES_VERBOSE = False
# Campaign staff confirm each login with a code of an authenticator app (TOTP, django-otp): on
# in production, off by default in development (the demo logins).
STAFF_SECOND_FACTOR = env_bool("STAFF_SECOND_FACTOR", not DEBUG)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "SMA Cashback")

# Portal behaviour.
OVERVIEW_PAGE_SIZE = env_int("OVERVIEW_PAGE_SIZE", 50)
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10_000_000)
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 50_000)
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20_000_000)
UPLOAD_MAX_UNCOMPRESSED_BYTES = env_int("UPLOAD_MAX_UNCOMPRESSED_BYTES", 200_000_000)
UPLOAD_MAX_COMPRESSION_RATIO = env_int("UPLOAD_MAX_COMPRESSION_RATIO", 100)
# Files with more rows than this are checked and registered by the worker, with a progress bar.
UPLOAD_SYNC_MAX_ROWS = env_int("UPLOAD_SYNC_MAX_ROWS", 2_000)
# A preview not confirmed within this many hours expires (nothing registered; upload again).
UPLOAD_CONFIRM_HOURS = env_int("UPLOAD_CONFIRM_HOURS", 24)
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)

# Payouts: the account the SEPA credit transfers are made from.
PAYOUT_DEBTOR = {
    "name": env_str("PAYOUT_DEBTOR_NAME", "SMA Benelux BV – Cashback"),
    "iban": env_str("PAYOUT_DEBTOR_IBAN", "NL91ABNA0417164300" if DEBUG else ""),
    "bic": env_str("PAYOUT_DEBTOR_BIC", "ABNANL2A" if DEBUG else ""),
}

# The REST API for installer software (/api/v1/).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registrations.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["registrations.api.access.IsCompanyUser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["registrations.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_str("API_RATE", "600/min")},
    "DEFAULT_PAGINATION_CLASS": "registrations.api.pagination.Pages",
    "EXCEPTION_HANDLER": "registrations.api.errors.handle",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SMA Cashback portal API",
    "DESCRIPTION": (
        "Register devices, poll their status and upload documents from your own software. "
        "Authenticate with `Authorization: Bearer <token>`; a company admin creates tokens under "
        "Company → API tokens. Errors are JSON with a stable `code` and a `message` in the language "
        "of `Accept-Language` (nl, fr, en)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "registrations.core.choices.Status",
        "ReasonEnum": "registrations.core.choices.Reason",
        "SourceEnum": "registrations.core.choices.Source",
        "CountryEnum": "registrations.companies.choices.Country",
        "OutcomeEnum": "registrations.core.choices.RowResult",
        "DocumentKindEnum": "registrations.documents.models.Document.Kind",
    },
}

# The monitoring portals' customer-number feed (portal_sync/FEED.md), one entry per portal.
# In development the defaults point at the stand-in that `make run` starts on port 8100.
STANDIN_URL = env_str("PORTAL_STANDIN_URL", "http://127.0.0.1:8100" if DEBUG else "")
PORTALS = [
    {
        "name": name,
        "base_url": env_str(f"{prefix}_URL", f"{STANDIN_URL}/{path}" if STANDIN_URL else "").rstrip("/"),
        "token_url": env_str(f"{prefix}_TOKEN_URL"),
        "client_id": env_str(f"{prefix}_CLIENT_ID", demo_id if STANDIN_URL else ""),
        "client_secret": env_str(f"{prefix}_CLIENT_SECRET", f"{demo_id}-secret" if STANDIN_URL else ""),
    }
    for name, prefix, path, demo_id in [
        ("sunny_portal", "SUNNY_PORTAL", "sunny-portal", "demo-sp"),
        ("ennexos", "ENNEXOS", "ennexos", "demo-ennexos"),
    ]
]
PORTAL_TIMEOUT = (env_float("PORTAL_CONNECT_TIMEOUT", 5.0), env_float("PORTAL_READ_TIMEOUT", 30.0))
PORTAL_RETRY = {
    "attempts": env_int("PORTAL_RETRIES", 5),
    "backoff": env_float("PORTAL_BACKOFF", 1.0),  # urllib3: no wait, then 2, 4, 8 ... s, plus jitter
    "backoff_max": env_float("PORTAL_BACKOFF_MAX", 60.0),
    "jitter": env_float("PORTAL_BACKOFF_JITTER", 1.0),
}
PORTAL_PAGE_SIZE = env_int("PORTAL_PAGE_SIZE", 50)
PORTAL_SYNC_FETCH_THREADS = env_int("PORTAL_SYNC_FETCH_THREADS", 8)
# A run holds a lock that expires, so a crashed run does not block the next night's.
PORTAL_SYNC_LOCK_SECONDS = env_int("PORTAL_SYNC_LOCK_SECONDS", 900)
# A run stops (and records the companies it did not reach) after this long.
PORTAL_SYNC_MAX_SECONDS = env_int("PORTAL_SYNC_MAX_SECONDS", 4 * 3600)

# One line per request and per job (cashback.logs); JSON lines for a log service in production.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use text or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "timestamp": True,
                 "fmt": "%(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The request line of cashback.logs says it all; Django's own would say it twice.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
# The worker logs through the same handlers (its job lines are cashback.logs').
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Errors to Sentry when SENTRY_DSN is set (off by default): no personal data is sent.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk  # only when used: the SDK patches the frameworks it finds as it is imported

    sentry_sdk.init(dsn=SENTRY_DSN, environment=env_str("SENTRY_ENVIRONMENT", "production"),
                    send_default_pii=False, traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0))

# /health/jobs/ answers 503 when the heartbeat job has not run for this long.
HEARTBEAT_STALE_SECONDS = env_int("HEARTBEAT_STALE_SECONDS", 120)

CELERY_BEAT_SCHEDULE = {
    # Every 30 seconds: the heartbeat, proof for /health/jobs/ that beat sends and a worker runs.
    "heartbeat": {
        "task": "cashback.tasks.heartbeat",
        "schedule": 30.0,
    },
    # Every minute: hand the outbox's waiting jobs to the broker, notice lost and stalled ones.
    "relay-jobs": {
        "task": "cashback.tasks.relay_jobs",
        "schedule": 60.0,
    },
    # Nightly, Europe/Amsterdam: expire overdue document deadlines, send the due reminders.
    "document-deadlines": {
        "task": "registrations.tasks.document_deadlines",
        "schedule": crontab(hour=1, minute=15),
    },
    # Hourly: previews of uploads that nobody confirmed in time expire.
    "unconfirmed-uploads": {
        "task": "registrations.tasks.expire_unconfirmed_uploads",
        "schedule": crontab(minute=5),
    },
    # Nightly, Europe/Amsterdam: register the devices the monitoring portals report.
    "portal-sync": {
        "task": "portal_sync.tasks.sync_portals",
        "schedule": crontab(hour=2, minute=30),
    },
}
