"""MicroIntern settings: one file, configured by environment variables (see README)."""

from pathlib import Path

import environ

# redis-py's package imports itself in a cycle, which two threads importing it for the first
# time at once break (runserver's reloader loads the URLconf while its server thread opens the
# cache: "KeyError: 'redis'"). Imported here, while settings load in the main thread, it is
# whole before any thread starts.
import redis  # noqa: F401
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

# Development gets a throwaway key; production must set its own.
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    # whitenoise's runserver integration serves static files the same way in development.
    "whitenoise.runserver_nostatic",
    "microintern.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.forms",
    "allauth",
    "allauth.account",
    "django_filters",
    "csp",
    "accounts",
    "listings",
    "searches",
    "applications",
    "messaging",
    "reports",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so that static files carry it too.
    "microintern.middleware.CrossOriginResourcePolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A lost database answers a clean 503 page with Retry-After, not a 500.
    "microintern.middleware.DatabaseUnavailableMiddleware",
    # A NUL byte (or a lone surrogate) in the path or a parameter: a plain 400, before any view.
    "microintern.middleware.UnreadableInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "microintern.urls"
WSGI_APPLICATION = "microintern.wsgi.application"

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
                "accounts.context_processors.roles",
                "notifications.context_processors.unread_count",
            ],
            # The `date` filter with Django's output at a fraction of its cost (a page of
            # cards or applications formats a few hundred dates).
            "builtins": ["microintern.dates"],
        },
    },
]
# Every form renders through templates/django/forms/, the one accessible field pattern.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Data stores -----------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/microintern"),
}
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Parallel test runs on one machine each take their own test database.
if env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Short timeouts: a page must answer quickly even when Redis is down.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)

CACHES = {
    "default": {
        # django-redis that, while Redis is down, acts as no cache (locks included) and
        # fails fast instead of waiting for a timeout on every call.
        "BACKEND": "microintern.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="mi"),
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            # A cache outage degrades to "no cache" instead of failing the page.
            "IGNORE_EXCEPTIONS": True,
        },
    }
}
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# The largest page (bytes) the visitors' cache keeps a copy of: listing pages weigh tens of
# KB, and the same Redis holds the rate limits and the task queue.
VISITOR_CACHE_MAX_BYTES = env.int("VISITOR_CACHE_MAX_BYTES", default=512 * 1024)

# Sessions live in the database so that logging in never depends on Redis.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Authentication --------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.StudentSignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Sensitive steps ask for the password again, the only way to sign in (no emailed codes).
ACCOUNT_REAUTHENTICATION_METHODS = {"password"}
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[MicroIntern] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# Per-address and per-account limits on login, signup and password reset (kept in Redis).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}

CAREER_CENTER_GROUP = "Career center"

# Free webmail domains: an employer signing up from one of these cannot claim an organization
# by email domain.
FREE_EMAIL_DOMAINS = env.list(
    "FREE_EMAIL_DOMAINS",
    default=[
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "aol.com",
        "icloud.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "mail.com",
        "yandex.com",
        "zoho.com",
    ],
)

# --- Listings ----------------------------------------------------------------------

# The pay floor, in the listing's own currency per hour: lower needs a justification.
MIN_HOURLY_RATE = env.int("MIN_HOURLY_RATE", default=20)
# Seconds a process reuses the listings' version (the key of the pages shared between
# visitors) before reading it again; changes saved by the same process show at once.
LISTINGS_VERSION_SECONDS = env.float("LISTINGS_VERSION_SECONDS", default=2.0)
# Above this hourly rate a student project is flagged as implausible (a scam signal).
IMPLAUSIBLE_HOURLY_RATE = env.int("IMPLAUSIBLE_HOURLY_RATE", default=150)
# Listing reports one person, and one network address, may send (django-ratelimit rates).
REPORT_RATE_LIMIT = env("REPORT_RATE_LIMIT", default="10/h")
REPORT_ADDRESS_RATE_LIMIT = env("REPORT_ADDRESS_RATE_LIMIT", default="30/h")

# --- Applications ------------------------------------------------------------------

# Days a student has to answer an offer before it expires.
OFFER_RESPONSE_DAYS = env.int("OFFER_RESPONSE_DAYS", default=3)
# Days after the application deadline by which the organization decides on its applicants;
# applications still undecided then are closed and their students told (the decide-by date).
DECIDE_WITHIN_DAYS = env.int("DECIDE_WITHIN_DAYS", default=21)
# Days a listing may stay suspended without a decision by staff; then it is removed and its
# applicants told.
SUSPENSION_DECIDE_DAYS = env.int("SUSPENSION_DECIDE_DAYS", default=30)
# Days after completion during which both sides are asked for feedback.
FEEDBACK_WINDOW_DAYS = env.int("FEEDBACK_WINDOW_DAYS", default=14)
# Days during which given feedback can still be changed.
FEEDBACK_EDIT_DAYS = env.int("FEEDBACK_EDIT_DAYS", default=7)
# Applications one student may send (django-ratelimit rate).
APPLY_RATE_LIMIT = env("APPLY_RATE_LIMIT", default="10/h")
# Applications sent from one network address: generous, since a campus shares one.
APPLY_ADDRESS_RATE_LIMIT = env("APPLY_ADDRESS_RATE_LIMIT", default="60/h")

# --- Conversations -----------------------------------------------------------------
# Messages one person may write (django-ratelimit rates), and from one network address.
MESSAGE_RATE_LIMIT = env("MESSAGE_RATE_LIMIT", default="20/h")
MESSAGE_ADDRESS_RATE_LIMIT = env("MESSAGE_ADDRESS_RATE_LIMIT", default="120/h")
# At most one email per conversation and person in this many minutes; later messages wait
# and leave together as one digest.
MESSAGE_EMAIL_MINUTES = env.int("MESSAGE_EMAIL_MINUTES", default=15)
# Days without a check-in answer or a message before the career center hears of it.
CHECK_IN_SILENCE_DAYS = env.int("CHECK_IN_SILENCE_DAYS", default=7)

# --- Reports ---------------------------------------------------------------------------

# CSV exports of at most this many rows download at once; larger ones run in the background.
REPORTS_EXPORT_INLINE_MAX_ROWS = env.int("REPORTS_EXPORT_INLINE_MAX_ROWS", default=5000)
# The dashboard's figures are read side by side on this many database connections (1: one
# after the other); each large aggregate keeps one PostgreSQL process busy.
REPORTS_QUERY_THREADS = env.int("REPORTS_QUERY_THREADS", default=2)

# --- Reminders (offsets of each rule; see listings/reminders.py, applications/reminders.py) ---

# Students who saved a listing and have not applied: hours before the deadline.
REMINDER_DEADLINE_HOURS = env.list("REMINDER_DEADLINE_HOURS", cast=int, default=[72, 24])
# Employers with undecided applications: days after the deadline; staff after the last.
REMINDER_DECIDE_DAYS = env.list("REMINDER_DECIDE_DAYS", cast=int, default=[2, 7])
REMINDER_DECIDE_STAFF_DAYS = env.int("REMINDER_DECIDE_STAFF_DAYS", default=14)
# Students with an open offer: hours before it expires.
REMINDER_OFFER_HOURS = env.int("REMINDER_OFFER_HOURS", default=24)
# Accepted students: days before the project due date (then overdue notices).
REMINDER_DUE_DAYS = env.list("REMINDER_DUE_DAYS", cast=int, default=[3, 1])
# Both sides of a completed engagement without feedback: days after completion.
REMINDER_FEEDBACK_DAYS = env.list("REMINDER_FEEDBACK_DAYS", cast=int, default=[2, 7])
# Employers who have not recorded the payment of completed work: days after completion.
REMINDER_PAYMENT_DAYS = env.list("REMINDER_PAYMENT_DAYS", cast=int, default=[7, 14])
# Students who have not confirmed a recorded payment: days after it was recorded.
REMINDER_PAYMENT_CONFIRM_DAYS = env.int("REMINDER_PAYMENT_CONFIRM_DAYS", default=3)
# The career center hears of a payment still unconfirmed this many days after completion.
PAYMENT_ESCALATION_DAYS = env.int("PAYMENT_ESCALATION_DAYS", default=21)
# An organization's track record is shown to students from this many decisions on, and its
# payment figure from this many completed projects (see accounts.models.TrackRecord).
TRACK_RECORD_MIN_DECISIONS = env.int("TRACK_RECORD_MIN_DECISIONS", default=5)
TRACK_RECORD_MIN_COMPLETED = env.int("TRACK_RECORD_MIN_COMPLETED", default=3)
# Staff digest of listings waiting longer than this many hours.
REMINDER_MODERATION_HOURS = env.int("REMINDER_MODERATION_HOURS", default=24)

# --- Email -------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="MicroIntern <no-reply@microintern.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Date headers with the real offset (+0000) rather than -0000, "time zone unknown".
EMAIL_USE_LOCALTIME = True
# Delivery attempts per outbox row before it is marked failed for staff to see.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
# Outbox rows one delivery task claims and sends over one mail connection.
NOTIFICATION_BATCH_SIZE = env.int("NOTIFICATION_BATCH_SIZE", default=200)

# --- Celery ------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that lost Redis keeps trying to reconnect for as long as it takes (the default gives
# up after 100 tries); if Celery itself crashes, microintern.supervise starts it again.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 1,
    # Redelivery of unacknowledged tasks after a worker dies (seconds).
    "visibility_timeout": 3600,
}
# Publishing from a web request must fail fast; the outbox sweep delivers what was not queued.
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE = {
    "deliver-pending-notifications": {
        "task": "notifications.tasks.deliver_pending",
        "schedule": 60.0,
    },
    "close-listings-past-deadline": {
        "task": "listings.tasks.close_past_deadline",
        "schedule": crontab(minute=5),
    },
    "remove-long-suspended-listings": {
        "task": "listings.tasks.remove_long_suspended",
        "schedule": crontab(minute=10),
    },
    "close-undecided-past-decide-by": {
        "task": "applications.tasks.close_undecided_past_decide_by",
        "schedule": crontab(minute=15),
    },
    "complete-projects-past-due": {
        "task": "applications.tasks.complete_past_due",
        "schedule": crontab(minute=20),
    },
    "expire-offers": {
        "task": "applications.tasks.expire_offers",
        "schedule": crontab(minute="*/10"),
    },
    "send-reminders": {
        "task": "notifications.tasks.send_reminders",
        "schedule": crontab(minute="*/15"),
    },
    "refresh-track-records": {
        "task": "reports.tasks.refresh_track_records",
        "schedule": crontab(minute=40, hour="*/6"),
    },
}

# --- Static and media files ----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads (résumés, logos) are private: never served under a public URL.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Internationalisation ----------------------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security ----------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies in front of the site that each add the client's address to X-Forwarded-For
# (0: clients connect directly). Limits per network address (sign-in, sign-up, password
# reset, applying, reporting) must count the client, not the proxy, which everyone shares.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
RATELIMIT_IP_META_KEY = "microintern.middleware.client_address"

# HTTPS redirect and HSTS are switched on by the deployment (SECURE_SSL_REDIRECT,
# SECURE_HSTS_SECONDS) where TLS terminates; on plain http://localhost they cannot hold.
SILENCED_SYSTEM_CHECKS = env.list(
    "SILENCED_SYSTEM_CHECKS",
    default=[
        "security.W004",  # SECURE_HSTS_SECONDS: only meaningful behind TLS.
        "security.W008",  # SECURE_SSL_REDIRECT: the TLS proxy redirects, not plain localhost.
    ],
)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Logging -----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_redis": {"level": "WARNING"},
    },
}

ADMINS = [("MicroIntern", a) for a in env.list("ADMIN_EMAILS", default=[])]

# --- Benchmark ---------------------------------------------------------------------------

# Routes /bench/floor/, the trivial page `make bench` measures every page against. Off in production.
BENCHMARK_FLOOR = env.bool("BENCHMARK_FLOOR", default=False)
