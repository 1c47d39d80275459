"""Settings for Lencana, read from the environment (see .env.example)."""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env, env_bool, env_int, env_list
from core.files import file_made_once

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("LENCANA_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # Development: a random key made once under var/, so nobody can sign tokens with a
    # constant read from this file.
    SECRET_KEY = file_made_once(VAR_DIR / "secret-key.txt", lambda: secrets.token_urlsafe(50))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Verify URLs, QR codes and credential ids name the web's URL, whichever process renders them:
# never derived from PORT, which is the port of this process (honcho gives the worker another).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework_simplejwt.token_blacklist",
    # The apps form a one-way chain, lowest first (import-linter keeps it; see pyproject.toml).
    "core",  # no models: the site's layout template and stylesheet, shared helpers
    "audit",
    "events",
    "people",
    "courses",
    "quizzes",
    "certificates",
    "reports",
    "webhooks",
    "pages",
]

MIDDLEWARE = [
    "config.observability.RequestIdMiddleware",
    "config.middleware.RefuseNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware, asking only the language chosen with set_language (else Bahasa
    # Indonesia), not the browser's Accept-Language.
    "pages.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "people.backends.EndRefusedSessionsMiddleware",
    "config.db_router.ReplicaReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "pages.context_processors.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'lencana.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker write to the same file: WAL lets readers go on while one
    # writes, IMMEDIATE takes the write lock at BEGIN (no upgrade deadlocks) and the timeout
    # makes a writer wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-lencana.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# HR's reports may read from a replica (config/db_router.py); tests mirror it onto default.
REPLICA_DATABASE_URL = env("REPLICA_DATABASE_URL", "")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(REPLICA_DATABASE_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling) --------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# Files the service makes (HR's exports); not served publicly, only through the API.
MEDIA_ROOT = VAR_DIR / "media"
# Pages: session sign-in (the API keeps JWT).
# Django's backend, refusing people the registry deactivated (sign-in and sessions alike).
AUTHENTICATION_BACKENDS = ["people.backends.PersonnelBackend"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pages:home"
LOGOUT_REDIRECT_URL = "login"

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security (production) -----------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- REST framework ------------------------------------------------------------------------
NUM_PROXIES = env_int("NUM_PROXIES", 0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "people.tokens.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    # The API reads JSON (as its document says); a view that takes a file names its own parsers.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.BoundedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Views name a scope (`throttle_scope`); those without one are not throttled.
    "DEFAULT_THROTTLE_CLASSES": ["people.throttling.ScopedThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("THROTTLE_AUTH", "20/min"),
        "verify": env("THROTTLE_VERIFY", "120/min"),
        "answers": env("THROTTLE_ANSWERS", "120/min"),
        "submit": env("THROTTLE_SUBMIT", "20/min"),
    },
    # How many proxies of our own append to X-Forwarded-For: 0 (the default) never reads it, so
    # a client cannot pick the address its throttles count against.
    "NUM_PROXIES": NUM_PROXIES,
    "DATETIME_FORMAT": "iso-8601",
}
# Short-lived access tokens; each refresh token is good for one use (rotation, the used one
# blacklisted); a token names a stamp of the password it was issued under (people.tokens), so a
# new password ends every older token, and a deactivated user's tokens are refused.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "CHECK_USER_IS_ACTIVE": True,
    # An active user whose person is active too: a leaver neither signs in nor refreshes.
    "USER_AUTHENTICATION_RULE": "people.selectors.user_may_sign_in",
    "TOKEN_OBTAIN_SERIALIZER": "people.tokens.TokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "people.tokens.TokenRefreshSerializer",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lencana API",
    "DESCRIPTION": "Courses, timed quizzes and verifiable certificates for Lantas and SPKT.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "FunctionEnum": "people.models.Function",
        "RankEnum": "people.models.Rank",
        "ReviewWhenEnum": "quizzes.models.Quiz.ReviewWhen",
        "AttemptStatusEnum": "quizzes.models.Attempt.Status",
    },
}

# --- Celery --------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # One folder is both the in- and out-box, so any process on this machine can send and any
    # worker can receive: no server needed for development. The control folder (exchange
    # tables, remote control) defaults to `control/` in the current folder: keep it in var/ too.
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
    if CELERY_BROKER_URL.startswith("redis://"):
        # Kombu's Redis transport, except that an item that is not a message is dropped with an
        # error logged instead of stopping the worker (config/broker.py).
        CELERY_BROKER_TRANSPORT = "config.broker:Transport"
# Queues per kind of work (config/celery_routes.py); the Procfile runs a worker per queue.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = ("config.celery_routes.route_task",)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-attempts": {
        "task": "quizzes.tasks.sweep_attempts_task",
        "schedule": env_int("LENCANA_SWEEP_INTERVAL_SECONDS", 30),
    },
    "relay-events": {
        "task": "events.tasks.relay_events_task",
        "schedule": env_int("LENCANA_SWEEP_INTERVAL_SECONDS", 30),
    },
    "prune-events": {"task": "events.tasks.prune_events_task", "schedule": 60 * 60},
    "expire-certificates": {
        "task": "certificates.tasks.expire_certificates_task",
        "schedule": env_int("LENCANA_EXPIRY_SWEEP_SECONDS", 60 * 60),
    },
    "remind-expiring-certificates": {
        "task": "certificates.tasks.remind_expiring_certificates_task",
        "schedule": env_int("LENCANA_EXPIRY_SWEEP_SECONDS", 60 * 60),
    },
    # Compliance counters of units where time alone changed something (expiry, a due date).
    "compliance-tick": {"task": "reports.tasks.compliance_tick_task", "schedule": 5 * 60},
    # Webhook deliveries whose retry time has come (backoff: 30 s doubling to 2 h, for a day).
    "retry-webhooks": {
        "task": "webhooks.tasks.retry_webhooks_task",
        "schedule": env_int("LENCANA_SWEEP_INTERVAL_SECONDS", 30),
    },
}

# --- Lencana -------------------------------------------------------------------------------
# Answers saved this many seconds after the deadline still count (network latency).
LENCANA_ATTEMPT_GRACE_SECONDS = env_int("LENCANA_ATTEMPT_GRACE_SECONDS", 5)
# An event not delivered to all its handlers this long after it was recorded is queued again by
# the relay's periodic pass (then backing off, doubling up to an hour, while it stays undelivered).
LENCANA_RELAY_AFTER_SECONDS = env_int("LENCANA_RELAY_AFTER_SECONDS", 60)
# After this many passes (about seven hours with the backoff) an undelivered event is marked
# failed, logged as an error and left for a person to replay from the admin.
LENCANA_RELAY_MAX_TRIES = env_int("LENCANA_RELAY_MAX_TRIES", 12)
# Delivered events are kept this long (for audit and replay by hand), then pruned hourly.
LENCANA_EVENT_RETENTION_DAYS = env_int("LENCANA_EVENT_RETENTION_DAYS", 30)
LENCANA_DEMO_PASSWORD = env("DEMO_PASSWORD", "demo-pass-2026")
# Ed25519 key that signs credentials: a multibase secret key or a 64-hex seed. In debug a key
# is made once and kept under var/, so development needs no set-up.
LENCANA_SIGNING_KEY = env("LENCANA_SIGNING_KEY", "")
if not LENCANA_SIGNING_KEY and not DEBUG:
    raise ImproperlyConfigured("LENCANA_SIGNING_KEY must be set when DJANGO_DEBUG is off.")
LENCANA_SIGNING_KEY_FILE = VAR_DIR / "signing-key.txt"
LENCANA_ISSUER_NAME = env("LENCANA_ISSUER_NAME", "Polda Metro Jaya — Lencana")
# Webhooks may go to private, loopback, link-local or reserved addresses (and over http) only
# with this: a receiver on this host in tests or development (webhooks.destinations).
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)

# Reminders (email and `certificate.expiring` for webhooks) this many days before expiry.
LENCANA_EXPIRY_REMINDER_DAYS = [int(d) for d in env_list("LENCANA_EXPIRY_REMINDER_DAYS", ["60", "30", "7"])]

# --- Mail ----------------------------------------------------------------------------------
# Development prints mail on the console; production sends through SMTP (EMAIL_HOST ...).
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Lencana <no-reply@localhost>")

# The Data Integrity cryptosuite of new credentials and status lists: eddsa-rdfc-2022 (RDF
# canonicalisation, what Open Badges 3.0 verifiers are certified against) or eddsa-jcs-2022 (JSON
# canonicalisation, several times faster to sign). Verification accepts both.
LENCANA_CREDENTIAL_CRYPTOSUITE = env("LENCANA_CREDENTIAL_CRYPTOSUITE", "eddsa-rdfc-2022")
if LENCANA_CREDENTIAL_CRYPTOSUITE not in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
    raise ImproperlyConfigured("LENCANA_CREDENTIAL_CRYPTOSUITE must be eddsa-rdfc-2022 or eddsa-jcs-2022.")

# How long verifiers and proxies may cache a status list (its `ttl` and Cache-Control max-age).
LENCANA_STATUS_LIST_TTL_SECONDS = env_int("LENCANA_STATUS_LIST_TTL_SECONDS", 300)

# LOG_FORMAT=json (the default without debug): one JSON object a line, with the request id that
# the web gave the request and every task it queued.
LOG_FORMAT = env("LOG_FORMAT", "plain" if DEBUG else "json")
LENCANA_METRICS_TOKEN = env("LENCANA_METRICS_TOKEN", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.request_id.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
