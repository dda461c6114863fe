"""DreamTrack settings: one module, read from the environment (and `.env`).

Every variable is listed, with its default, in `.env.example`. Unset
`DATABASE_URL` means an embedded SQLite file; unset `REDIS_URL` means an
in-process cache and Celery jobs that run inline.
"""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or .env "
            "(DEBUG=1 uses an insecure development key)."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_yasg",
    # DreamTrack apps; dependencies point down this list's reverse:
    # feature apps -> progression -> stats/achievements/streaks -> core.
    "apps.core",
    "apps.accounts",
    "apps.wallet",
    "apps.stats",
    "apps.streaks",
    "apps.achievements",
    "apps.progression",
    "apps.tasks",
    "apps.shop",
    "apps.inventory",
    "apps.boosts",
    "apps.donations",
    "apps.dreams",
    "apps.ai_steps",
    "apps.roulette",
    "apps.habits",
    "apps.friends",
    "apps.notifications",
    "apps.leaderboards",
    "apps.trades",
    "apps.events",
    "apps.profiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Any API body declared over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 before it is read.
    "apps.core.body_limit.RequestSizeLimitMiddleware",
    # Django's session, auth and messages middleware, stepping aside for /api/ (JWT, no
    # cookies): apps/core/middleware.py.
    "apps.core.middleware.BrowserSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "apps.core.middleware.BrowserAuthenticationMiddleware",
    "apps.core.middleware.BrowserMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dreamtrack.urls"
WSGI_APPLICATION = "dreamtrack.wsgi.application"
ASGI_APPLICATION = "dreamtrack.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# Persistent connections with health checks: a request does not pay for a
# new PostgreSQL connection, and a connection the server closed is replaced.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "dt",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A Redis outage degrades to "no cache", never to a 500.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "dreamtrack.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "dreamtrack",
        }
    }

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
# Redis down: a worker waits for it, at start as while running (retrying for ever, not
# 100 times), and consumes again when it returns; see docs/decisions.md, "Faults".
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BEAT_SCHEDULE = {
    "run-daily-jobs": {"task": "apps.core.tasks.run_daily_jobs", "schedule": 300.0},
}

# --- Auth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.UsernameOrEmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "apps.core.staticfiles.ManifestStaticFilesStorage"  # WhiteNoise's, never a 500
        )
    },
}
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)

# --- Security -------------------------------------------------------------
# TLS terminates at the proxy in production: it sets X-Forwarded-Proto.
SECURE_TLS = env_bool("SECURE_TLS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = SECURE_TLS
SESSION_COOKIE_SECURE = SECURE_TLS
CSRF_COOKIE_SECURE = SECURE_TLS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_TLS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_TLS
SECURE_HSTS_PRELOAD = SECURE_TLS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
X_FRAME_OPTIONS = "DENY"

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "Idempotent-Replayed"]
CORS_ALLOW_HEADERS = (*default_cors_headers, "idempotency-key", "if-none-match")

# --- REST framework -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.profiles.authentication.CachedJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's negotiation with a short path for the usual JSON Accept headers (apps/core/negotiation.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.core.negotiation.ContentNegotiation",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if env_bool("BROWSABLE_API", False) else []),
    # JSON only, with Django's DATA_UPLOAD_MAX_MEMORY_SIZE enforced (413), which DRF's parser skips.
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.JSONParser"],
    # Behind N trusted reverse proxies, set NUM_PROXIES=N so per-IP throttles see the client's IP.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0) or None,
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.throttling.AnonBurstThrottle",
        "apps.core.throttling.UserBurstThrottle",
        "apps.core.throttling.ScopedThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "100/min"),
        "user": os.environ.get("THROTTLE_USER", "1000/min"),
        "login": os.environ.get("THROTTLE_LOGIN", "10/min"),
        "spend": os.environ.get("THROTTLE_SPEND", "60/min"),
        "ai": os.environ.get("THROTTLE_AI", "20/hour"),
    },
    "EXCEPTION_HANDLER": "apps.core.exceptions.exception_handler",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": None,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SWAGGER_USE_COMPAT_RENDERERS = False
SWAGGER_SETTINGS = {
    "SECURITY_DEFINITIONS": {
        "Bearer": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "description": "JWT access token: `Bearer <access>` (from POST /api/v1/auth/token/).",
        }
    },
    "USE_SESSION_AUTH": False,
    "DEFAULT_INFO": "apps.core.schema.API_INFO",
    "DEFAULT_AUTO_SCHEMA_CLASS": "apps.core.schema.DreamTrackAutoSchema",
    "DEFAULT_GENERATOR_CLASS": "apps.core.schema.DreamTrackSchemaGenerator",
}

# --- Idempotency ----------------------------------------------------------
IDEMPOTENCY_TTL = timedelta(hours=24)

# --- Leaderboards (apps/leaderboards) ---------------------------------------
# A global board's page is shared by every caller for this many seconds (0: read each
# time); the caller's own place is always read live (docs/decisions.md, "Leaderboards").
LEADERBOARD_PAGE_TTL_SECONDS = env_int("LEADERBOARD_PAGE_TTL_SECONDS", 5)

# --- Live events (apps/events: Server-Sent Events of new notifications) ----
# A comment line this often keeps proxies from closing an idle stream.
EVENTS_KEEPALIVE_SECONDS = float(os.environ.get("EVENTS_KEEPALIVE_SECONDS", "15"))
# `POST events/ticket/`: a one-use ticket for `events/stream/?ticket=`, valid this long.
EVENTS_TICKET_TTL_SECONDS = 60
# A reconnect with Last-Event-ID replays at most this many missed notifications (the newest).
EVENTS_REPLAY_MAX = 100
# Events waiting for a slow stream; one more ends that stream (its reconnect replays).
EVENTS_QUEUE_SIZE = 100
# Under ASGI, streams opening at once in one process use at most this many database connections.
EVENTS_DB_CONCURRENCY = 4
# Served by WSGI (the development server, or a misrouted gunicorn): the stream polls the
# table this often and ends after EVENTS_POLL_MAX_SECONDS, so it cannot hold a worker forever.
EVENTS_POLL_SECONDS = 1.0
EVENTS_POLL_MAX_SECONDS = 300

# --- External services ----------------------------------------------------
OPENROUTER_API_KEY = os.environ.get("OPENROUTER_API_KEY", "")
OPENROUTER_MODEL = os.environ.get("OPENROUTER_MODEL", "openai/gpt-4o-mini")
OPENROUTER_TIMEOUT = float(os.environ.get("OPENROUTER_TIMEOUT", "30"))
OPENROUTER_BASE_URL = os.environ.get("OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1")
# AI step generation (apps/ai_steps): a 429 or 5xx is retried at most this many times,
# waiting AI_RETRY_BACKOFF_SECONDS x 1, x 2 ... between attempts; a job pending or
# running longer than AI_JOB_STALE_MINUTES is failed by run_daily_jobs.
AI_MAX_RETRIES = 2
AI_RETRY_BACKOFF_SECONDS = float(os.environ.get("AI_RETRY_BACKOFF_SECONDS", "2"))
AI_JOB_STALE_AFTER = timedelta(minutes=env_int("AI_JOB_STALE_MINUTES", 15))
DONATION_WEBHOOK_SECRET = os.environ.get("DONATION_WEBHOOK_SECRET", "")

# --- Game rules (the contract's defaults; a balance change is a one-line diff) ---
DREAMTRACK_DIFFICULTY_REWARDS = {
    "trivial": {"xp": 5, "coins": 1},
    "easy": {"xp": 10, "coins": 3},
    "medium": {"xp": 20, "coins": 6},
    "hard": {"xp": 40, "coins": 12},
}
DREAMTRACK_ON_TIME_BONUS_PERCENT = 25
DREAMTRACK_LEVEL_UP_COINS_PER_LEVEL = 10
DREAMTRACK_DAILY_COMPLETION_CAP = env_int("DREAMTRACK_DAILY_COMPLETION_CAP", 50)
DREAMTRACK_STREAK_MILESTONES = {
    3: {"xp": 30, "coins": 15, "crystals": 0},
    7: {"xp": 100, "coins": 50, "crystals": 0},
    14: {"xp": 200, "coins": 100, "crystals": 0},
    30: {"xp": 500, "coins": 250, "crystals": 5},
    100: {"xp": 2000, "coins": 1000, "crystals": 20},
    365: {"xp": 10000, "coins": 5000, "crystals": 100},
}
DREAMTRACK_MAX_STREAK_FREEZES = 2
DREAMTRACK_DREAM_COMPLETED_REWARD = {"xp": 200, "coins": 100}
# Trades: a pending trade expires (its escrow returned) this long after it was made.
DREAMTRACK_TRADE_TTL = timedelta(hours=env_int("DREAMTRACK_TRADE_TTL_HOURS", 72))
# Habits. A check-in pays DREAMTRACK_DIFFICULTY_REWARDS. A quit habit's settled local day
# with a log pays these, added up: logged at least once; clean (logged, total 0); each unit
# under `baseline_per_day` (capped).
DREAMTRACK_QUIT_DAY_REWARDS = {
    "logged": {"xp": 5, "coins": 1},
    "clean": {"xp": 20, "coins": 5},
    "coins_per_unit_under_baseline": 2,
    "max_under_baseline_coins": 20,
}
# How far back a quit log's `occurred_at` may be (it may never be in the future).
DREAMTRACK_QUIT_LOG_MAX_AGE = timedelta(hours=48)
# Health milestones after the last logged unit (the Smoke Tracker's; sources in docs/decisions.md).
DREAMTRACK_QUIT_HEALTH_MILESTONES = [
    {"after": 20 * 60, "label": "20 minutes", "text": "Your pulse and blood pressure start to fall back toward normal."},
    {"after": 8 * 3600, "label": "8 hours", "text": "The carbon monoxide in your blood is about halved; oxygen levels recover."},
    {"after": 24 * 3600, "label": "24 hours", "text": "Carbon monoxide is back to a normal level and nicotine is leaving your blood."},
    {"after": 72 * 3600, "label": "72 hours", "text": "Breathing gets easier as your airways relax, and energy picks up."},
    {"after": 14 * 86400, "label": "2 weeks", "text": "Your circulation is improving: walking and exercise get easier."},
    {"after": 90 * 86400, "label": "3 months", "text": "Your lungs work better: less coughing and shortness of breath."},
    {"after": 365 * 86400, "label": "1 year", "text": "Your extra risk of coronary heart disease is about half a smoker's."},
]

# Social. Read notifications older than this are deleted by the daily job (unread ones stay).
DREAMTRACK_NOTIFICATION_RETENTION_DAYS = env_int("DREAMTRACK_NOTIFICATION_RETENTION_DAYS", 30)

# --- Logging: structured (one JSON object a line) to stdout ----------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "apps.core.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}
