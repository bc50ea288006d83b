"""Django settings, all from the environment with safe defaults.

Everything lives under ``DOKREG_DATA_DIR`` (default ``./dokreg-data``): the SQLite
database, the content-addressed file store and the search index. ``DATABASE_URL``
switches to PostgreSQL without any other change.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dokreg import __version__
from dokreg.conf.email import email_settings


def _whole_env(name: str, default: int, *, low: int, high: int) -> int:
    raw = os.environ.get(name, str(default)).strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("DOKREG_DATA_DIR", "dokreg-data")).resolve()
_file_store = os.environ.get("DOKREG_FILE_STORE", "")
# s3://bucket/prefix keeps files in an S3-compatible object store (dokreg.archive.objectstore), shared by
# workers on several hosts; anything else names a local folder (the default: DATA_DIR/files).
FILE_STORE_URL = _file_store if _file_store.startswith("s3://") else ""
FILE_STORE_DIR = Path(_file_store if _file_store and not FILE_STORE_URL else DATA_DIR / "files").resolve()
INDEX_DIR = Path(os.environ.get("DOKREG_INDEX_DIR", DATA_DIR / "index")).resolve()
# Where the one indexer publishes index snapshots and web hosts pull them from (`dokreg index publish|pull`).
INDEX_SNAPSHOTS_URL = os.environ.get("DOKREG_INDEX_SNAPSHOTS", "")
# How many shards the indexer writes a new index in (dokreg.search.shards): one per core of the web
# hosts makes a search use them all. Readers follow the index on disk; a change rebuilds the index.
INDEX_SHARDS = _whole_env("DOKREG_INDEX_SHARDS", 1, low=1, high=64)

# The development key is public (it is in this file): `dokreg serve` and `dokreg check` refuse it unless
# DOKREG_DEBUG=1, so a public instance cannot start with it by accident. The demo (loopback only) may.
DEV_SECRET_KEY = "dokreg-insecure-dev-key-set-DOKREG_SECRET_KEY"
SECRET_KEY = os.environ.get("DOKREG_SECRET_KEY", DEV_SECRET_KEY)
DEBUG = os.environ.get("DOKREG_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("DOKREG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # sitemap.xml templates; ninja serves its API docs page from its own static files, not a CDN
    "django.contrib.sitemaps",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "dokreg.registries",
    "dokreg.archive",
    "dokreg.public",
    "dokreg.desk",
    "dokreg.review",
    "dokreg.alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything costly (sessions, language): a client over its limit gets a small ready page.
    "dokreg.ratelimit.RateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Estonian unless the reader chose otherwise with the switch (not the browser's Accept-Language).
    "dokreg.public.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dokreg.conf.security.ContentSecurityPolicyMiddleware",
    # Last line of the public boundary: no personal code leaves a public or API response.
    "dokreg.public.boundary.PersonalCodeBoundaryMiddleware",
]


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


# Production hardening, all from the environment. Behind a TLS-terminating proxy set
# DOKREG_HTTPS=1: cookies become Secure, HSTS is sent and the proxy's X-Forwarded-Proto is trusted.
HTTPS = _flag("DOKREG_HTTPS", False)
SESSION_COOKIE_SECURE = _flag("DOKREG_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("DOKREG_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("DOKREG_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _flag("DOKREG_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = _flag("DOKREG_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The public pages use no inline script or style, so 'self' is enough; the API docs page (Swagger UI)
# sets inline styles and gets a wider style-src in dokreg.conf.security.
CONTENT_SECURITY_POLICY = os.environ.get(
    "DOKREG_CSP",
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)

ROOT_URLCONF = "dokreg.conf.urls"
WSGI_APPLICATION = "dokreg.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Workers and web processes keep connections: opening one per task costs more than the task.
        db = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    else:
        db = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "dokreg.sqlite3"),
            "CONN_MAX_AGE": 600,
            # WAL lets the web process read while a sync writes; IMMEDIATE avoids lock upgrades failing.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
        }
    test_url = os.environ.get("DOKREG_TEST_DATABASE_URL")
    if test_url and os.environ.get("DOKREG_TEST_ON_POSTGRES") == "1":
        db = dj_database_url.parse(test_url, conn_max_age=600)
        # Several test runs on one server (developers in parallel) each name their own test database.
        db["TEST"] = {"NAME": os.environ.get("DOKREG_TEST_DB_NAME", "test_dokreg")}
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        # "immediate" runs each stage in the calling process (the embedded default);
        # "database" queues them for `dokreg worker` processes (scale out on PostgreSQL).
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if os.environ.get("DOKREG_TASKS", "immediate") == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        ),
        "QUEUES": ["sync", "download", "extract", "ocr", "index", "default"],
        "ENQUEUE_ON_COMMIT": True,
    }
}

# Rate-limit counters must be shared by every web process: set DOKREG_CACHE_URL=redis://… in production.
# The default, an in-process cache, counts per process (fine for one `dokreg serve` worker).
_cache_url = os.environ.get("DOKREG_CACHE_URL", "")
# Keys fit the database cache's 255-character column (a sitemap page's key holds the Host).
_KEY_FUNCTION = "dokreg.conf.cachekeys.bounded_key"


def _cache(name: str, max_entries: int, *, in_database: bool = False) -> dict:
    """Redis when DOKREG_CACHE_URL names it; otherwise the database (shared by every process) or this
    process's memory. Keys carry the version: pickled values of another release are never read back."""
    if _cache_url.startswith(("redis://", "rediss://")):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": f"{name}-{__version__}",
            "KEY_FUNCTION": _KEY_FUNCTION,
        }
    if in_database:
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "dokreg_kept",  # archive.models.KeptEntry: migrations create it
            "KEY_PREFIX": f"{name}-{__version__}",
            "KEY_FUNCTION": _KEY_FUNCTION,
            "OPTIONS": {"MAX_ENTRIES": max_entries},
        }
    return {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": f"dokreg-{name}",
        "OPTIONS": {"MAX_ENTRIES": max_entries},
    }


CACHES = {
    "default": _cache("default", 300),
    # What pages keep between requests (reading.kept): body aggregates, sitemap sizes and pages. Apart
    # from the rate-limit counters, whose churn under many clients would evict them (an in-process
    # cache drops a third of its entries when full), and each costs up to a second to compute again.
    # Without Redis it lives in the database, not in each process: every web process and host reads
    # what one computed, a restart keeps it, and workers compute it ahead of requests (reading.figures).
    # 20,000 entries: a few per body and per sitemap page; pages are kept compressed (≤ 60 kB each).
    "kept": _cache("kept", 20_000, in_database=True),
}

LANGUAGE_CODE = "et"
LANGUAGES = [("et", "Eesti"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Tallinn"
USE_I18N = True
USE_TZ = True

# Operator alerts, removal-request codes and saved-search mails: see dokreg.conf.email for the URL forms.
globals().update(email_settings(os.environ.get("DOKREG_EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = os.environ.get("DOKREG_EMAIL_FROM", "dokreg <dokreg@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where operator alerts go (comma-separated); empty means staff users' own addresses.
DOKREG_OPERATOR_EMAILS = [
    a.strip() for a in os.environ.get("DOKREG_OPERATOR_EMAILS", "").split(",") if a.strip()
]
# Removal requests: requesters' personal data is erased this many days after the decision (dokreg requests
# --purge); `dokreg alerts` mails the operators when the follow loop has not beaten for this many minutes.
DOKREG_REQUEST_RETENTION_DAYS = int(os.environ.get("DOKREG_REQUEST_RETENTION_DAYS", "365"))
DOKREG_HEARTBEAT_STALE_MINUTES = int(os.environ.get("DOKREG_HEARTBEAT_STALE_MINUTES", "30"))

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DOKREG_LOG_LEVEL", "WARNING")},
}

# --- dokreg's own settings -------------------------------------------------------------
DOKREG_VERSION = __version__
DOKREG_CONTACT_URL = os.environ.get("DOKREG_CONTACT_URL", "https://github.com/dokreg/dokreg")
DOKREG_USER_AGENT = os.environ.get(
    "DOKREG_USER_AGENT", f"dokreg/{__version__} (+{DOKREG_CONTACT_URL}; open archive of public registers)"
)
# Seconds between two requests to one host; 0 turns politeness off (simulator, benchmarks).
DOKREG_REQUEST_INTERVAL = float(os.environ.get("DOKREG_REQUEST_INTERVAL", "1.0"))
DOKREG_REQUEST_TIMEOUT = float(os.environ.get("DOKREG_REQUEST_TIMEOUT", "30"))
DOKREG_REQUEST_RETRIES = int(os.environ.get("DOKREG_REQUEST_RETRIES", "4"))
# First retry wait in seconds; it doubles (with jitter) per attempt unless the source says Retry-After.
DOKREG_REQUEST_BACKOFF = float(os.environ.get("DOKREG_REQUEST_BACKOFF", "1.0"))
# Hard size limits on what a register may send us: a file (TooLarge, recorded) and a page (list, document).
DOKREG_MAX_DOWNLOAD_BYTES = int(os.environ.get("DOKREG_MAX_DOWNLOAD_BYTES", str(200 * 1024 * 1024)))
DOKREG_MAX_PAGE_BYTES = int(os.environ.get("DOKREG_MAX_PAGE_BYTES", str(50 * 1024 * 1024)))
# The archive's public address, for links made outside a request (mails, feeds' ids, exports).
DOKREG_PUBLIC_BASE_URL = os.environ.get("DOKREG_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
DOKREG_RESULTS_PER_PAGE = 20
# A body's kept figures are computed ahead of readers after a hiding or a sync (reading.figures): on a
# background thread of the process that changed them ("background"), "inline" (tests), or "off".
DOKREG_WARM_FIGURES = os.environ.get("DOKREG_WARM_FIGURES", "background")
if DOKREG_WARM_FIGURES not in ("background", "inline", "off"):
    raise ImproperlyConfigured(f"DOKREG_WARM_FIGURES={DOKREG_WARM_FIGURES!r}: use background, inline or off")
# OCR runs as its own stage after text-layer documents are indexed; in the embedded default the sync runs
# it too. With DOKREG_TASKS=database set DOKREG_OCR_INLINE=0 and let workers take the "ocr" queue.
DOKREG_OCR_INLINE = os.environ.get("DOKREG_OCR_INLINE", "1") == "1"
