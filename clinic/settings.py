"""Settings for the clinic scheduler, read from environment variables.

Every value has a development default, so `make run` works on a fresh machine; production sets
DATABASE_URL, REDIS_URL, SECRET_KEY and PRODUCTION=true. A malformed value stops start-up with a
message naming the variable, rather than running half-configured.
"""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_decimal(name: str, default: str, *, minimum: str = "0", maximum: str = "100") -> Decimal:
    raw = env_str(name, default)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None
    if not (value.is_finite() and Decimal(minimum) <= value <= Decimal(maximum)):
        raise ImproperlyConfigured(f"{name} must be from {minimum} to {maximum}, not {raw!r}")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_timezone(name: str, default: str) -> str:
    value = env_str(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name} must be an IANA time zone, not {value!r}") from None
    return value


def env_hhmm(name: str, default: str) -> str:
    value = env_str(name, default)
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ImproperlyConfigured(f"{name} must be a time as HH:MM, not {value!r}")
    return value


PRODUCTION = env_bool("PRODUCTION", False)
DEBUG = env_bool("DEBUG", not PRODUCTION)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when PRODUCTION=true")
    SECRET_KEY = "development-only-secret-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "clinic.apps.LoginLockoutsConfig",
    "django_otp",
    "clinic.apps.AuthenticatorsConfig",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "clinic",
    "patients",
    "scheduling",
    "scheduling.records",
    "scheduling.reminders",
    "scheduling.waitlist",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "clinic.middleware.RejectNullCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinic.middleware.SessionIdleTimeoutMiddleware",
    "clinic.audit.AuditRequestMiddleware",
    "clinic.middleware.ClinicTimezoneMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinic.middleware.LoginRequiredMiddleware",
    "clinic.security.TwoFactorRequiredMiddleware",
    "clinic.security.ContentSecurityPolicyMiddleware",
    "clinic.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Compiled templates are kept in memory for the life of the process. In production
            # they never change; in development the cached loader is reset whenever a template
            # file changes (Django's autoreloader), so editing still shows at once.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                ),
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinic.context_processors.staff_roles",
            ],
        },
    },
]

# Database: SQLite under var/ for development, PostgreSQL (DATABASE_URL) in production and CI.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'clinic.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a booking transaction starts, so the overlap check
    # inside it cannot race another booking (SQLite has no exclusion constraints).
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "clinic.security.StaffBackend",  # Django's ModelBackend, reading roles with the user
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_timezone("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Outside production whitenoise serves straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Broker: Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/,
# so development needs no server. The database holds the schedule: losing the broker loses nothing.
REDIS_URL = env_str("REDIS_URL")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = False
# Two queues, both consumed by every worker (`celery -A clinic worker` reads CELERY_TASK_QUEUES):
# "celery" carries dispatch and sends; "maintenance" carries stale-claim recovery alone, so a
# backlog of sends never delays it.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery"), Queue("maintenance"))
CELERY_TASK_ROUTES = {
    "scheduling.reminders.tasks.recover_stale_reminders": {"queue": "maintenance"},
}
# Every task is interrupted after CELERY_TASK_SOFT_TIME_LIMIT seconds and its process killed
# after CELERY_TASK_TIME_LIMIT, so a provider that never answers cannot hold a worker process
# forever. Keep the hard limit below REMINDER_CLAIM_TIMEOUT_SECONDS: a claim then only goes stale
# once the task that held it has surely stopped.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 150, minimum=2)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must be above CELERY_TASK_SOFT_TIME_LIMIT")
REMINDER_DISPATCH_SECONDS = env_int("REMINDER_DISPATCH_SECONDS", 60, minimum=1)
REMINDER_RECOVERY_SECONDS = env_int("REMINDER_RECOVERY_SECONDS", 60, minimum=1)
WAITLIST_EXPIRY_SECONDS = env_int("WAITLIST_EXPIRY_SECONDS", 60, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-reminders": {
        "task": "scheduling.reminders.tasks.dispatch_due_reminders",
        "schedule": float(REMINDER_DISPATCH_SECONDS),
    },
    "recover-stale-reminder-claims": {
        "task": "scheduling.reminders.tasks.recover_stale_reminders",
        "schedule": float(REMINDER_RECOVERY_SECONDS),
        "options": {"queue": "maintenance"},
    },
    # Wait-list offers nobody claimed in time go to the next patient waiting.
    "expire-waitlist-offers": {
        "task": "scheduling.waitlist.tasks.expire_waitlist_offers",
        "schedule": float(WAITLIST_EXPIRY_SECONDS),
    },
    # Expired patient links are refused anyway; this only keeps the table small.
    "purge-expired-patient-links": {
        "task": "scheduling.reminders.tasks.purge_expired_patient_links",
        "schedule": 3600.0,
        "options": {"queue": "maintenance"},
    },
}

# Reminders. Offsets before each visit, in hours; quiet hours and caps follow the TCPA's
# healthcare exemption (no texts at night, at most one a day and three a week per patient).
REMINDER_OFFSETS_HOURS = [int(h) for h in env_list("REMINDER_OFFSETS_HOURS", "24")]
QUIET_HOURS_START = env_hhmm("QUIET_HOURS_START", "21:00")
QUIET_HOURS_END = env_hhmm("QUIET_HOURS_END", "08:00")
SMS_MAX_PER_DAY = env_int("SMS_MAX_PER_DAY", 1, minimum=1)
SMS_MAX_PER_WEEK = env_int("SMS_MAX_PER_WEEK", 3, minimum=1)
# A link cancels or moves a visit only this far ahead, and moves it only to a time this far ahead.
LATE_CANCEL_HOURS = env_int("LATE_CANCEL_HOURS", 24)
# The front desk can check a patient in from this many minutes before the session starts.
CHECK_IN_OPENS_MINUTES = env_int("CHECK_IN_OPENS_MINUTES", 60, minimum=0)
PATIENT_LINK_MAX_AGE_DAYS = env_int("PATIENT_LINK_MAX_AGE_DAYS", 30, minimum=1)
FIRST_SESSION_MINUTES = env_int("FIRST_SESSION_MINUTES", 60, minimum=15)
FOLLOWUP_SESSION_MINUTES = env_int("FOLLOWUP_SESSION_MINUTES", 45, minimum=15)

# SMS: files under var/outbox in development; Twilio when its settings are present.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
SMS_BACKEND = env_str(
    "SMS_BACKEND",
    "scheduling.reminders.sms.TwilioBackend"
    if TWILIO_ACCOUNT_SID
    else "scheduling.reminders.sms.FileBackend",
)
if PRODUCTION and SMS_BACKEND.endswith(".TwilioBackend") and not TWILIO_AUTH_TOKEN:
    # Without it no text can be sent, and the inbound webhook could not tell Twilio's requests
    # from anyone's.
    raise ImproperlyConfigured("TWILIO_AUTH_TOKEN must be set for the Twilio SMS backend")
SMS_FILE_PATH = Path(env_str("SMS_FILE_PATH", str(VAR_DIR / "outbox" / "sms")))
# Dispatch: rows claimed per batch and batches per beat tick; a claim older than the timeout is
# stale (its worker died): returned to pending if the send never started, else flagged for staff.
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 100, minimum=1)
REMINDER_MAX_BATCHES = env_int("REMINDER_MAX_BATCHES", 50, minimum=1)
REMINDER_CLAIM_TIMEOUT_SECONDS = env_int("REMINDER_CLAIM_TIMEOUT_SECONDS", 300, minimum=1)
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 5, minimum=1)
# A batch is marked as sending, sent and recorded this many rows at a time: a worker killed during
# the provider calls leaves at most this many rows flagged "outcome unknown".
REMINDER_SENDING_CHUNK = env_int("REMINDER_SENDING_CHUNK", 25, minimum=1)
# Text messages of one chunk go to the provider this many at a time, so a slow API sets no pace.
SMS_CONCURRENCY = env_int("SMS_CONCURRENCY", 8, minimum=1)
# A freed time offered to a patient on the wait list is held for them this long (from when the
# message may go out) before it is offered to the next.
WAITLIST_OFFER_HOLD = timedelta(minutes=env_int("WAITLIST_OFFER_HOLD_MINUTES", 120, minimum=5))
# The between-visits check-in goes the day after a session at this local time.
CHECKIN_LOCAL_TIME = env_hhmm("CHECKIN_LOCAL_TIME", "10:00")
# A HOOS, JR questionnaire not answered this many days after it was sent is asked once more.
QUESTIONNAIRE_NUDGE_DAYS = env_int("QUESTIONNAIRE_NUDGE_DAYS", 3, minimum=1)
# The rise of the HOOS, JR interval score that counts as a minimal important change. Sources
# differ, so it is a setting. Default 7.76 points: the minimal clinically important difference of
# HOOS, JR in "Expanding the Scope of Centers for Medicare and Medicaid Services Patient-Reported
# Outcome Measures Mandatory Reporting: Evaluating Total Hip Arthroplasty Outcomes Beyond
# Substantial Clinical Benefit for HOOS-JR", J Arthroplasty 2025, doi 10.1016/j.arth.2025.09.027
# (18,855 primary hip replacements). The stricter 22 points is the substantial clinical benefit of
# Lyman S, Lee YY, Clin Orthop Relat Res 2018;476(12):2432-2441, which the CMS hip replacement
# measure uses; set 22 to report that instead.
HOOS_JR_MIN_IMPORTANT_CHANGE = env_decimal("HOOS_JR_MIN_IMPORTANT_CHANGE", "7.76")

# Email: files under var/outbox/ in development, SMTP in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "outbox"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds an SMTP connection may wait on the server: a server that accepts and never answers
# fails the send (it is retried later) instead of holding the worker.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "clinic@example.com")

# API tokens (django-rest-knox, stored as digests): they expire API_TOKEN_AGE seconds after they
# are issued, like the staff session, and are never renewed by use.
API_TOKEN_AGE = env_int("API_TOKEN_AGE", 8 * 3600, minimum=60)
KNOX_TOKEN_MODEL = "clinic.ApiToken"
# knox's own migrations would create its stock token table although clinic.ApiToken replaces
# it; without them the swapped model has no table at all.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
    "TOKEN_TTL": timedelta(seconds=API_TOKEN_AGE),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clinic.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["clinic.permissions.StaffRolePermission"],
    "DEFAULT_PARSER_CLASSES": [
        "clinic.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clinic.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic scheduler API",
    "DESCRIPTION": "Treatment courses, sessions, progress and reminders for acupuncture clinics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema and the docs describe the staff API: staff only (a token or a staff session).
    "SERVE_PERMISSIONS": ["clinic.permissions.StaffRolePermission"],
}

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "clinic.sessions"  # Django's database sessions, read as one short statement
# A staff session ends SESSION_COOKIE_AGE seconds after log-in however busy it is, and sooner
# after SESSION_IDLE_TIMEOUT seconds without a request (a screen left open at the front desk).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own console handler would print each of its lines a second time.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Security
# Login lockout (django-axes, counted by clinic.security.LockoutHandler): five failures for one
# username from one address lock that pair until the cool-off ends or a manager unlocks it
# (Security > Locked log-ins); the same person elsewhere, and colleagues behind the clinic's
# shared address, still get in. An address that fails AXES_ADDRESS_FAILURE_LIMIT times across
# any usernames is locked whole.
AXES_HANDLER = "clinic.security.LockoutHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "clinic.security.lockout_response"
# Behind the production proxy the client's address is the right-most X-Forwarded-For entry the
# proxies added; without a proxy REMOTE_ADDR is the client and X-Forwarded-For is not trusted.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if PRODUCTION else 0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Two-factor (django-otp TOTP). Staff holding one of these roles must verify a TOTP code after
# logging in before any staff page or API call; OTP_REQUIRED_FOR_ALL extends it to every role.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", "manager")
_unknown_roles = set(OTP_REQUIRED_ROLES) - {"receptionist", "practitioner", "manager"}
if _unknown_roles:
    raise ImproperlyConfigured(f"OTP_REQUIRED_ROLES has unknown roles: {sorted(_unknown_roles)}")
OTP_REQUIRED_FOR_ALL = env_bool("OTP_REQUIRED_FOR_ALL", False)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Clinic scheduler")

# Headers. The policy allows only this site's own files: no inline scripts, no CDNs (the API
# docs use drf-spectacular-sidecar's copy of Swagger UI).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if PRODUCTION:
    CONTENT_SECURITY_POLICY["upgrade-insecure-requests"] = []
SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"] = "SIDECAR"
SPECTACULAR_SETTINGS["SWAGGER_UI_FAVICON_HREF"] = "SIDECAR"
# Several models have a `status` with its own choices; name each enum so the schema (and
# `check --deploy`, which builds it) has no collision warning.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "CourseStatusEnum": "scheduling.models.TreatmentCourse.Status",
    "AppointmentStatusEnum": "scheduling.models.Appointment.Status",
    "ReminderStatusEnum": "scheduling.reminders.models.Reminder.Status",
    "WaitlistStatusEnum": "scheduling.waitlist.models.WaitlistEntry.Status",
    "OfferStatusEnum": "scheduling.waitlist.models.Offer.Status",
    "HipExamResultEnum": "scheduling.records.models.ExamResult",
}

# Logs never carry a condition, pain score or note, even if some code passes one by mistake.
LOGGING["filters"] = {
    "redact_clinical": {"()": "clinic.logging.RedactClinicalFilter"},
    "one_line_for_client_errors": {"()": "clinic.logging.OneLineForClientErrors"},
}
LOGGING["handlers"]["console"]["filters"] = ["redact_clinical", "one_line_for_client_errors"]
