"""Settings for Klarna Gig, read only from environment variables.

With no environment at all the project runs embedded: SQLite, an in-memory channel
layer, Celery tasks run inline and a local test payout provider. Production sets
DATABASE_URL and REDIS_URL (PostgreSQL, Redis channel layer, Celery on Redis, Redis
cache) and real secrets. Every variable is listed in the README.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEFAULT_SECRET_KEY = "insecure-dev-key-change-me-klarna-gig"  # refused below when DEBUG is off
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off; refusing the default key.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "channels",
    "agents",
    "tickets",
    "tickets.triage",
    "tickets.quality",
    "payouts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "klarna_gig.urls"
WSGI_APPLICATION = "klarna_gig.wsgi.application"
ASGI_APPLICATION = "klarna_gig.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agents.roles.roles_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Web servers: a pool per process (DB_POOL_MAX_SIZE > 0; the Procfile sets it). Under ASGI every HTTP
    # request runs its sync code in a new thread, so per-thread persistent connections pile up instead of
    # being reused. Without a pool the default is a fresh connection per request (0); the Celery worker,
    # whose forked children must not inherit a pool, keeps persistent connections (the Procfile sets 60).
    DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 0)
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=0 if DB_POOL_MAX_SIZE else env_int("DB_CONN_MAX_AGE", 0)
        )
    }
    if DB_POOL_MAX_SIZE:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DB_POOL_MAX_SIZE,
            "timeout": env_int("DB_POOL_TIMEOUT", 10),  # seconds a request waits for a free connection
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "klarna_gig.sqlite3")),
            # SQLite serialises writers; wait instead of failing under the embedded run's concurrency.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Celery ----------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "klarna_gig.channel_layer.WaitingRedisChannelLayer",
            # A socket waits for messages in 5-second blocking pops; a read timeout at or under that
            # would cut idle websockets, so reads may take up to 30 s before Redis counts as gone.
            # Per server process; past it, a group change waits (up to `timeout` s) for a free connection.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 30,
                        "max_connections": env_int("CHANNEL_LAYER_MAX_CONNECTIONS", 200),
                        "timeout": 20,
                    }
                ],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "kg"),
        }
    }
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
    CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_PREFETCH", 4)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"

# --- Auth --------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- I18n / time -------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security ----------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the chat and workspace scripts read it to send X-CSRFToken
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    # HTTPS itself (SSL redirect, HSTS, secure cookies) is the operator's to switch on behind their proxy.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None

# --- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "klarna_gig.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Klarna Gig API",
    "DESCRIPTION": "Hybrid customer service: conversations, triage, queue, shifts, pay and payouts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Product settings ----------------------------------------------------------------
CURRENCY = os.environ.get("CURRENCY", "EUR")
AGENT_MAX_CONCURRENT_CHATS = env_int("AGENT_MAX_CONCURRENT_CHATS", 3)
PRESENCE_TIMEOUT_SECONDS = env_int("PRESENCE_TIMEOUT_SECONDS", 45)
AGENT_REPLY_TIMEOUT_SECONDS = env_int("AGENT_REPLY_TIMEOUT_SECONDS", 180)
QUEUE_SLA_SECONDS = env_int("QUEUE_SLA_SECONDS", 60)
REOPEN_WINDOW_HOURS = env_int("REOPEN_WINDOW_HOURS", 24)
IDLE_CLOSE_MINUTES = env_int("IDLE_CLOSE_MINUTES", 30)
ABANDON_AFTER_MINUTES = env_int("ABANDON_AFTER_MINUTES", 15)
SHIFT_CANCEL_CUTOFF_HOURS = env_int("SHIFT_CANCEL_CUTOFF_HOURS", 12)
HOLDBACK_HOURS = env_int("HOLDBACK_HOURS", 24)
CHAT_MAX_MESSAGE_CHARS = env_int("CHAT_MAX_MESSAGE_CHARS", 2000)
CHAT_RATE_LIMIT_PER_10S = env_int("CHAT_RATE_LIMIT_PER_10S", 10)
SHIFT_NO_SHOW_GRACE_MINUTES = env_int("SHIFT_NO_SHOW_GRACE_MINUTES", 15)
DISPATCH_OFFERS_ENABLED = env_bool("DISPATCH_OFFERS_ENABLED", True)
OFFER_ACCEPT_SECONDS = env_int("OFFER_ACCEPT_SECONDS", 20)

# --- Quality and staffing ---------------------------------------------------------------
QA_DAILY_RANDOM_SAMPLE = env_int("QA_DAILY_RANDOM_SAMPLE", 10)
STAFFING_SERVICE_LEVEL = float(os.environ.get("STAFFING_SERVICE_LEVEL", "0.8"))
STAFFING_TARGET_SECONDS = env_int("STAFFING_TARGET_SECONDS", 60)
STAFFING_DEFAULT_AHT_SECONDS = env_int("STAFFING_DEFAULT_AHT_SECONDS", 360)
STAFFING_HISTORY_WEEKS = env_int("STAFFING_HISTORY_WEEKS", 4)
STAFFING_HORIZON_HOURS = env_int("STAFFING_HORIZON_HOURS", 48)
STAFFING_BLOCK_HOURS = env_int("STAFFING_BLOCK_HOURS", 4)
STAFFING_CHATS_PER_AGENT = env_int("STAFFING_CHATS_PER_AGENT", AGENT_MAX_CONCURRENT_CHATS)
STAFFING_SURGE_CAP = os.environ.get("STAFFING_SURGE_CAP", "1.50")
STAFFING_SURGE_WITHIN_HOURS = env_int("STAFFING_SURGE_WITHIN_HOURS", 12)

# --- Triage --------------------------------------------------------------------------
# Built models are named by a hash of their training data and code, so one cache can serve every checkout.
_CACHE_HOME = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
TRIAGE_MODEL_DIR = Path(os.environ.get("TRIAGE_MODEL_DIR", _CACHE_HOME / "klarna-gig" / "models"))
# Unset: the threshold chosen on the validation split at build time (an admin override row wins over both).
TRIAGE_AUTO_ANSWER_THRESHOLD = (
    float(os.environ["TRIAGE_AUTO_ANSWER_THRESHOLD"]) if os.environ.get("TRIAGE_AUTO_ANSWER_THRESHOLD") else None
)
TRIAGE_TRAINING_CSV = os.environ.get("TRIAGE_TRAINING_CSV") or None  # unset: the BANKING77 copy in tickets/triage/data
LLM_BASE_URL = os.environ.get("LLM_BASE_URL", "")
LLM_API_KEY = os.environ.get("LLM_API_KEY", "")
LLM_MODEL = os.environ.get("LLM_MODEL", "")
LLM_TIMEOUT_SECONDS = float(os.environ.get("LLM_TIMEOUT_SECONDS", "5"))

# --- Stripe ------------------------------------------------------------------------
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_CONNECT_BASE = os.environ.get("STRIPE_CONNECT_BASE", "")
STRIPE_API_VERSION = os.environ.get("STRIPE_API_VERSION", "2025-10-29.clover")
STRIPE_MAX_NETWORK_RETRIES = env_int("STRIPE_MAX_NETWORK_RETRIES", 2)
PAYOUT_MINIMUM_MINOR = env_int("PAYOUT_MINIMUM_MINOR", 1000)
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
