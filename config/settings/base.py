"""Settings shared by every environment, read from environment variables."""

from pathlib import Path

import environ
from csp.constants import NONE, SELF

from config.env import Env
from config.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = Env()
# A local .env is optional; real deployments set the environment directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Runtime files of the embedded default: queue folders, beat schedule, file cache, worker log.
VAR_DIR = Path(env.str("LOTWISE_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Workers and gunicorn keep their connection between tasks and requests.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the embedded worker write while pages read.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 30)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portfolios",
    "taxes",
    "rebalancing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portfolios.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After OTPMiddleware: a two-factor user's session enters its code before any other page.
    "portfolios.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portfolios.middleware.RememberPortfolioMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Repeated failed logins lock the username from that address out for a while (django-axes).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_HOURS", default=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# A wrong two-factor code counts as a failed login; axes records the request without it.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# Two-factor sign-in (django-otp, portfolios/two_factor.py): the name authenticator apps show.
OTP_TOTP_ISSUER = "Lotwise"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Content-Security-Policy (django-csp), the same in every environment so the tests run under it: pages load
# only our own scripts, styles, images and fonts. Nothing inline runs, so an injected name or note cannot
# become script. Exceptions, each made where the page is served: style attributes on DRF's browsable API
# (portfolios/middleware.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "portfolios.context_processors.site",
                "portfolios.context_processors.navigation",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portfolios:home"
LOGOUT_REDIRECT_URL = "login"
SIGNUP_ENABLED = env.bool("SIGNUP_ENABLED", default=True)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="lotwise@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # API tokens made in Settings (for scripts); a session that entered its two-factor code; HTTP Basic
        # for users without two-factor sign-in.
        "portfolios.tokens.ApiTokenAuthentication",
        "portfolios.tokens.VerifiedSessionAuthentication",
        "portfolios.tokens.PasswordAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested deeper than the parser can follow is a 400 on every endpoint, not a 500.
    "DEFAULT_PARSER_CLASSES": [
        "portfolios.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "portfolios.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "portfolios.api.schema.ApiSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    # ?page=N&page_size=M (at most 1000 rows a page).
    "DEFAULT_PAGINATION_CLASS": "portfolios.api.pagination.ApiPagination",
    "PAGE_SIZE": 100,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # A runaway script is slowed down (429 with Retry-After), never a person.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lotwise API",
    "VERSION": "0.1.0",
    # Swagger UI from our own static files: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "DESCRIPTION": "Every object is the requesting user's own: another user's ids answer 404. Amounts are "
    "exact decimal strings. Lists come in pages (`count`, `next`, `previous`, `results`).",
    # Request bodies as components of their own, without the read-only fields of the answers.
    "COMPONENT_SPLIT_REQUEST": True,
    # The classes an asset may be given (no cash) apart from every class an asset has.
    "ENUM_NAME_OVERRIDES": {"ChoosableAssetClassEnum": "portfolios.api.assets.CLASS_CHOICES"},
    "PATH_CONVERTER_OVERRIDES": {"api_id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
}

# --- Celery -------------------------------------------------------------------------------------------
# With REDIS_URL set, Redis is broker and result store; without it, a filesystem broker under var/
# gives the embedded default a real worker and beat that need no server.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_QUEUE_DIR = Path(env.str("CELERY_QUEUE_DIR", default=str(VAR_DIR / "celery")))
# Redis: a message a worker took but never acknowledged goes back to the queue this many seconds after it
# was taken, looked for every 5 s. Tasks acknowledge when they end, so this is how the work of a worker that
# died is delivered again: within a minute. A task that outlives it (a large import, a price history) is
# delivered a second time while it runs; the copy finds the task's heartbeat lease (config.celery) and
# waits for it to finish, or to stop beating, so no task runs twice at once or again once done. Jobs the
# pages follow (imports, tax files) also carry their own heartbeat, checked by the beat task below.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=45)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # How often workers look for such messages: a fifth of the timeout, at most every 5 s (every 50 s
        # with a timeout of 500 s or more).
        "unacked_restore_interval": max(1, min(5, CELERY_VISIBILITY_TIMEOUT // 5)),
        "unacked_restore_throttle": 1 if CELERY_VISIBILITY_TIMEOUT < 500 else 10,
    }
    CELERY_RESULT_EXPIRES = 24 * 3600
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_RESULT_BACKEND = None
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        # fanout and remote-control messages; kombu's default is a folder in the working directory
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Task modules other than the apps' tasks.py, which are found by themselves.
CELERY_IMPORTS = ["portfolios.import_tasks"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes the database connection before and after every task unless this is set, and a
# worker then pays a new PostgreSQL connection for each task. Reused for this many tasks, with Django's
# usual check before each (config.celery.database_connection_checked: CONN_MAX_AGE, CONN_HEALTH_CHECKS).
CELERY_DB_REUSE_MAX = 1000
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Latest prices every 5 minutes (each refresh fans out snapshot tasks); daily history after the UTC close.
# `expires`: a run the workers could not start in time is dropped rather than piled up behind the next one.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "refresh-prices-latest": {
        "task": "portfolios.tasks.refresh_prices_latest",
        "schedule": 5 * 60.0,
        "options": {"expires": 4 * 60},
    },
    "refresh-prices-history": {
        "task": "portfolios.tasks.refresh_prices_history",
        "schedule": crontab(hour=0, minute=20),
        "options": {"expires": 6 * 3600},
    },
    # An import or tax file whose worker stopped beating (config.heartbeat) is run again, or failed with a
    # message after its second run; one whose message was lost is sent again.
    "revive-import-jobs": {
        "task": "portfolios.import_tasks.revive_import_jobs",
        "schedule": 15.0,
        "options": {"expires": 14},
    },
    "revive-report-jobs": {
        "task": "taxes.tasks.revive_report_jobs",
        "schedule": 15.0,
        "options": {"expires": 14},
    },
    "purge-import-jobs": {
        "task": "portfolios.import_tasks.purge_import_jobs",
        "schedule": crontab(hour=3, minute=0),
        "options": {"expires": 6 * 3600},
    },
    # Market caps for the rebalancing model indices (top N, capped market-cap weight).
    "rebalancing-market-caps": {
        "task": "rebalancing.tasks.refresh_market_caps",
        "schedule": crontab(hour=0, minute=40),
        "options": {"expires": 6 * 3600},
    },
    # Rebalancing calendar checks (weekly/monthly/quarterly/yearly policies), each in its owner's time zone.
    "rebalancing-calendar-checks": {
        "task": "rebalancing.tasks.calendar_checks",
        "schedule": crontab(minute=30),
        "options": {"expires": 50 * 60},
    },
}

# --- Prices -------------------------------------------------------------------------------------------
COINGECKO_API_KEY = env.str("COINGECKO_API_KEY", default="")
COINGECKO_BASE_URL = env.str("COINGECKO_BASE_URL", default="https://api.coingecko.com/api/v3")
PRICE_MAX_AGE_MINUTES = env.int("PRICE_MAX_AGE_MINUTES", default=24 * 60)
PRICES_OFFLINE = env.bool("PRICES_OFFLINE", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
AUTH_USER_MODEL = "portfolios.User"

# Cache: shared by web and worker processes (the snapshot debounce lives here).
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
SNAPSHOT_DEBOUNCE_SECONDS = env.int("SNAPSHOT_DEBOUNCE_SECONDS", default=5)
# A year-end file for a year with more taxable sales than this is built by a worker, with progress.
TAX_REPORT_WORKER_DISPOSALS = env.int("TAX_REPORT_WORKER_DISPOSALS", default=20_000)
