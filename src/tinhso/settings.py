"""Tỉnh Số settings: one module, every deployment value read from the environment.

The embedded default (no environment at all) runs on SQLite with background tasks
executed in-process; production sets ``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL``
(Redis), ``TINHSO_SECRET_KEY``, ``TINHSO_DEBUG=false`` and the e-mail and storage variables
listed in ``docs/deployment.md``.
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from tinhso.env import env_bool, env_float, env_int, env_list, env_str

# Lets annotations such as ModelChoiceField[Agency] work at run time (django-stubs generics).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("TINHSO_VAR_DIR", str(BASE_DIR.parent.parent / "var")))

DEBUG = env_bool("TINHSO_DEBUG", True)
SECRET_KEY = env_str("TINHSO_SECRET_KEY", "insecure-development-key-change-me" if DEBUG else None)
ALLOWED_HOSTS = env_list("TINHSO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("TINHSO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "tinhso",  # project-level commands (load_demo, export_openapi), base templates and static files
    "tinhso.accounts",
    "tinhso.units",
    "tinhso.agencies",
    "tinhso.calendars",
    "tinhso.procedures",
    "tinhso.dossiers",
    "tinhso.documents",
    "tinhso.notifications",
    "tinhso.payments",
    "tinhso.stores",
    "tinhso.results",
    "tinhso.portal",
    "tinhso.backoffice",
    "tinhso.ioc",
    "tinhso.indicators",
    "tinhso.audit",
    "tinhso.datasets",
    "tinhso.sensors",
    "tinhso.integrations",
    "tinhso.reports",
    "tinhso.open311",
    "tinhso.sandboxes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tinhso.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "tinhso.middleware.MalformedInputMiddleware",  # NUL, non-UTF-8, unparsable bodies: 400
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tinhso.middleware.PersonalNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tinhso.accounts.middleware.OfficialSessionMiddleware",
    "tinhso.accounts.consent.ConsentMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "tinhso.csp.FormActionMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tinhso.urls"
WSGI_APPLICATION = "tinhso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tinhso.navigation.sections",
            ],
        },
    },
]

_SQLITE_PATH = VAR_DIR / "tinhso.sqlite3"
# Persistent connections: opening a PostgreSQL session costs ~10 ms a request (docs/benchmarks.md).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{_SQLITE_PATH}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # select_for_update is a no-op on SQLite: take the write lock at BEGIN instead, so
    # concurrent writers queue rather than fail (see docs/adr/0002-sqlite-concurrency.md).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 30, "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # A file (not :memory:) so concurrency tests see real locking; one per process so parallel runs
    # never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
# Django's ModelBackend behind the brute-force lockout (tinhso.accounts.lockout).
AUTHENTICATION_BACKENDS = ["tinhso.accounts.backends.LockoutModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # OWASP ASVS V2.1.1: at least 12 characters (Django's default minimum is 8).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # OWASP ASVS V2.1.2: more than 128 characters is refused.
    {"NAME": "tinhso.accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["tinhso.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
MEDIA_ROOT = Path(env_str("TINHSO_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never routed (tinhso/urls.py): files go out through access-checked views
# ASVS 12.4.1: stored uploads readable by the service's user and group only, never by others.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# --- File storage (attachments, slips, signed results, receipts, stores) — docs/deployment.md ---
# TINHSO_STORAGE=filesystem (default: MEDIA_ROOT) or s3 (an S3-compatible object store through
# django-storages); TINHSO_STORAGE_BACKEND still names any other Django storage class. Private
# either way: objects get no ACL of their own (the bucket's, private), names are never reused,
# and tinhso.storage.PrivateS3Storage never signs a URL: every file goes out through a view
# that checks access.
TINHSO_STORAGE = env_str("TINHSO_STORAGE", "filesystem").strip().lower()
if TINHSO_STORAGE == "s3":
    if os.environ.get("TINHSO_STORAGE_BACKEND"):
        raise ImproperlyConfigured("Set TINHSO_STORAGE=s3 or TINHSO_STORAGE_BACKEND, not both")
    _s3_endpoint = env_str("TINHSO_S3_ENDPOINT_URL", "")
    _s3_addressing = env_str("TINHSO_S3_ADDRESSING_STYLE", "path" if _s3_endpoint else "auto")
    if _s3_addressing not in ("path", "virtual", "auto"):
        raise ImproperlyConfigured(
            f"TINHSO_S3_ADDRESSING_STYLE must be path, virtual or auto, got {_s3_addressing!r}"
        )
    _DEFAULT_STORAGE: dict[str, Any] = {
        "BACKEND": "tinhso.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env_str("TINHSO_S3_BUCKET"),
            "endpoint_url": _s3_endpoint or None,  # None: AWS itself
            "region_name": env_str("TINHSO_S3_REGION", "") or None,
            # Empty: boto3's own chain (AWS_* variables, a profile, an instance role).
            "access_key": env_str("TINHSO_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("TINHSO_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("TINHSO_S3_PREFIX", "").strip("/"),
            "addressing_style": None if _s3_addressing == "auto" else _s3_addressing,
            "signature_version": "s3v4",
            "default_acl": None,  # no per-object ACL: the bucket's own (private) applies
            "querystring_auth": True,  # were a URL ever made, it would be signed, never public
            "file_overwrite": False,  # a name in use gets a suffix, as on disk
            # Reading an object spills to a temporary file past this size, not all in memory.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }
elif TINHSO_STORAGE == "filesystem":
    _DEFAULT_STORAGE = {
        "BACKEND": env_str("TINHSO_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
    }
else:
    raise ImproperlyConfigured(f"TINHSO_STORAGE must be filesystem or s3, got {TINHSO_STORAGE!r}")
# --- end of file storage ---

STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads: the cap is enforced in code (tinhso.uploads); Django's memory setting is not a cap.
TINHSO_UPLOAD_MAX_BYTES = env_int("TINHSO_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Files stream to a temporary file, hashed and capped as they arrive (tinhso.upload_handlers);
# only a request of at most FILE_UPLOAD_MAX_MEMORY_SIZE is kept in memory. Set here, not per
# view: the CSRF check and MalformedInputMiddleware parse the body before any view runs.
FILE_UPLOAD_HANDLERS = ["tinhso.upload_handlers.CappedUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = TINHSO_UPLOAD_MAX_BYTES + 1024 * 1024
# ZIP containers (XLSX) are checked before they are opened (tinhso.uploads.check_zip, ASVS
# 12.1.2): at most this many entries, this many bytes once uncompressed, and no entry expanding
# more than this many times.
TINHSO_UPLOAD_ZIP_MAX_ENTRIES = env_int("TINHSO_UPLOAD_ZIP_MAX_ENTRIES", 2000)
TINHSO_UPLOAD_ZIP_MAX_BYTES = env_int("TINHSO_UPLOAD_ZIP_MAX_BYTES", 200 * 1024 * 1024)
TINHSO_UPLOAD_ZIP_MAX_RATIO = env_int("TINHSO_UPLOAD_ZIP_MAX_RATIO", 100)

# Background tasks: Celery with Redis in production; in-process when no broker is set.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == ""
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TIMEZONE = TIME_ZONE
# At least once (docs/operations.md, "Fault tests on the production topology"): a task is
# acknowledged after it ran, so a worker killed mid-task (SIGKILL, OOM, lost host) leaves its
# message to be delivered again; every task is idempotent. One message reserved per process, so a
# dead worker holds back no more than it was running.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis gives an unacknowledged message to another worker after this long. It must exceed the
# longest task and the longest countdown of a retry (600 s), or those run twice (harmlessly, but
# for nothing); the fault tests shorten it to see the redelivery within the test.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("TINHSO_CELERY_VISIBILITY_TIMEOUT", 3600),
    # How often a worker looks for such messages: every interval x throttle seconds (kombu's
    # defaults, 10 x 10); the fault tests look every second.
    "unacked_restore_interval": env_int("TINHSO_CELERY_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("TINHSO_CELERY_RESTORE_THROTTLE", 10),
}
if CELERY_BROKER_URL.startswith("redis://"):  # rediss:// keeps kombu's own TLS handling
    # kombu's Redis transport with one fix: a worker that loses Redis while tasks are
    # unacknowledged reconnects instead of exiting (tinhso/celery.py, _QoS).
    CELERY_BROKER_TRANSPORT = "tinhso.celery:RedisTransport"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True  # a worker started before Redis waits for it
# The catch-up intervals (seconds): dossier events whose on-commit dispatch was lost, deliveries
# recorded but never sent, slips and notices whose task the broker lost.
TINHSO_CATCHUP_SECONDS = env_int("TINHSO_CATCHUP_SECONDS", 60)
TINHSO_DELIVERY_SWEEP_SECONDS = env_int("TINHSO_DELIVERY_SWEEP_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "scan-deadlines": {"task": "tinhso.dossiers.tasks.scan_deadlines", "schedule": 15 * 60},
    # Catch-up of the dossier-changed events (ADR 0009): retries and deliveries lost after commit.
    "dispatch-dossier-events": {
        "task": "tinhso.dossiers.events.dispatch_events",
        "schedule": TINHSO_CATCHUP_SECONDS,
    },
    "sweep-pending-deliveries": {
        "task": "tinhso.notifications.tasks.sweep_pending_deliveries",
        "schedule": TINHSO_DELIVERY_SWEEP_SECONDS,
    },
    # Slips, applicant notices and e-receipts whose task was handed to the broker and lost there
    # (a Redis restart without persistence): the subscriber's cursor had already moved on.
    "sweep-missing-slips": {
        "task": "tinhso.documents.tasks.sweep_missing_slips",
        "schedule": TINHSO_CATCHUP_SECONDS,
    },
    "sweep-missing-notices": {
        "task": "tinhso.notifications.tasks.sweep_missing_notices",
        "schedule": TINHSO_CATCHUP_SECONDS,
    },
    "sweep-missing-receipts": {
        "task": "tinhso.payments.receipts.sweep_missing_receipts",
        "schedule": TINHSO_CATCHUP_SECONDS,
    },
}
# A delivery claimed by a worker that then died is sent again after this lease (seconds); it
# must exceed the longest send (SMTP or SMS provider timeout). The window between sending and
# recording cannot be closed: a worker killed inside it makes the one duplicate we allow.
TINHSO_DELIVERY_LEASE_SECONDS = env_int("TINHSO_DELIVERY_LEASE_SECONDS", 300)
# Pending deliveries and missing slips/notices younger than this are left to their own task.
TINHSO_CATCHUP_GRACE_SECONDS = env_int("TINHSO_CATCHUP_GRACE_SECONDS", 120)

EMAIL_BACKEND = env_str(
    "TINHSO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# With django.core.mail.backends.filebased.EmailBackend: one file per sent connection (fault tests).
EMAIL_FILE_PATH = env_str("TINHSO_EMAIL_FILE_PATH", str(VAR_DIR / "sent-mail"))
EMAIL_HOST = env_str("TINHSO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("TINHSO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("TINHSO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("TINHSO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("TINHSO_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("TINHSO_FROM_EMAIL", "Tỉnh Số <no-reply@tinhso.local>")
TINHSO_SMS_CHANNEL = env_str("TINHSO_SMS_CHANNEL", "log")

# VNPay 2.1.0 (docs/payments-vnpay.md). The defaults are DEMO values that talk to the in-project
# sandbox gateway; "{site_url}" is replaced by TINHSO_SITE_URL when used. A real merchant sets the
# TmnCode and HashSecret sent by VNPAY and the two gateway URLs.
TINHSO_VNPAY_TMN_CODE = env_str("TINHSO_VNPAY_TMN_CODE", "DEMOTS01")
TINHSO_VNPAY_HASH_SECRET = env_str(
    "TINHSO_VNPAY_HASH_SECRET", "DEMO-ONLY-SECRET-NOT-FOR-PRODUCTION"
)
TINHSO_VNPAY_URL = env_str("TINHSO_VNPAY_URL", "{site_url}/payments/sandbox/vnpay/pay")
TINHSO_VNPAY_API_URL = env_str("TINHSO_VNPAY_API_URL", "{site_url}/payments/sandbox/vnpay/api")
TINHSO_VNPAY_RETURN_URL = env_str("TINHSO_VNPAY_RETURN_URL", "{site_url}/payments/vnpay/return")
TINHSO_VNPAY_SERVER_IP = env_str("TINHSO_VNPAY_SERVER_IP", "127.0.0.1")  # vnp_IpAddr of API calls
TINHSO_VNPAY_API_TIMEOUT = env_int("TINHSO_VNPAY_API_TIMEOUT", 15)  # seconds
# A pending payment expires after these minutes (VNPay: its vnp_ExpireDate; VietQR: the reference
# stops being accepted and a later transfer goes to the officials' reconciliation). The worker
# asks the gateway first (payments.expiry); it runs every TINHSO_PAYMENT_EXPIRY_SWEEP_SECONDS.
TINHSO_VNPAY_EXPIRE_MINUTES = env_int("TINHSO_VNPAY_EXPIRE_MINUTES", 15)
TINHSO_VIETQR_EXPIRE_MINUTES = env_int("TINHSO_VIETQR_EXPIRE_MINUTES", 24 * 60)
TINHSO_PAYMENT_EXPIRY_SWEEP_SECONDS = env_int("TINHSO_PAYMENT_EXPIRY_SWEEP_SECONDS", 5 * 60)
CELERY_BEAT_SCHEDULE |= {
    "expire-pending-payments": {
        "task": "tinhso.payments.tasks.expire_pending_payments",
        "schedule": TINHSO_PAYMENT_EXPIRY_SWEEP_SECONDS,
    },
}
# The sandbox gateway is served only when enabled; by default exactly when the payment URL is its own.
TINHSO_VNPAY_SANDBOX = env_bool("TINHSO_VNPAY_SANDBOX", TINHSO_VNPAY_URL.startswith("{site_url}"))
TINHSO_VNPAY_SANDBOX_IPN_URL = env_str(
    "TINHSO_VNPAY_SANDBOX_IPN_URL", "{site_url}/payments/vnpay/callback"
)
TINHSO_VNPAY_SANDBOX_DELIVERY = env_str("TINHSO_VNPAY_SANDBOX_DELIVERY", "inprocess")  # or "http"
TINHSO_VNPAY_SANDBOX_IPN_DELAY = env_int("TINHSO_VNPAY_SANDBOX_IPN_DELAY", 0)  # seconds
TINHSO_VNPAY_SANDBOX_IPN_COPIES = env_int("TINHSO_VNPAY_SANDBOX_IPN_COPIES", 1)  # duplicates
TINHSO_VNPAY_SANDBOX_IPN_LATE_FAILURE = env_bool("TINHSO_VNPAY_SANDBOX_IPN_LATE_FAILURE", False)
TINHSO_VNPAY_SANDBOX_DIR = Path(
    env_str("TINHSO_VNPAY_SANDBOX_DIR", str(VAR_DIR / "sandbox" / "vnpay"))
)  # its transactions

# The national portal (Cổng DVCQG) through the integration layer (docs/integrations.md, issue 16).
# Development and tests point at the in-project sandbox; production sets the real gateway (LGSP)
# and its credentials. Secrets come from the environment only (R-NAT-011).
# Synchronise dossiers upward at all (a province not yet connected, or a maintenance window:
# nothing is queued while off; `tinhso national sync` then has nothing to deliver).
TINHSO_NATIONAL_SYNC = env_bool("TINHSO_NATIONAL_SYNC", True)
TINHSO_DVCQG_PROFILE = env_str("TINHSO_DVCQG_PROFILE", "A")  # transport profile A, B or C (spec §1)
TINHSO_DVCQG_URL = env_str("TINHSO_DVCQG_URL", "{site_url}/sandbox/national")
TINHSO_DVCQG_USERNAME = env_str("TINHSO_DVCQG_USERNAME", "tinhso-demo")
TINHSO_DVCQG_PASSWORD = env_str("TINHSO_DVCQG_PASSWORD", "tinhso-demo")
TINHSO_DVCQG_DSTCODE = env_str("TINHSO_DVCQG_DSTCODE", "DVCQG")  # Profile A routing header
TINHSO_DVCQG_UNIT_CODE = env_str("TINHSO_DVCQG_UNIT_CODE", "000.00.00.H61")  # madonvi
TINHSO_DVCQG_CONNECT_TIMEOUT = env_float("TINHSO_DVCQG_CONNECT_TIMEOUT", 10.0)  # seconds
TINHSO_DVCQG_READ_TIMEOUT = env_float("TINHSO_DVCQG_READ_TIMEOUT", 60.0)  # R-NAT-005
TINHSO_DVCQG_SESSION_SECONDS = env_int("TINHSO_DVCQG_SESSION_SECONDS", 30 * 60)  # R-NAT-012
# Fallback success phrases of plain-text answers (R-NAT-013), separated by "|".
TINHSO_DVCQG_SUCCESS_PHRASES = env_str("TINHSO_DVCQG_SUCCESS_PHRASES", "thành công")
# How long the signed links to dossier files the national side fetches stay valid (R-NAT-035).
TINHSO_NATIONAL_FILE_LINK_DAYS = env_int("TINHSO_NATIONAL_FILE_LINK_DAYS", 30)
# DSKetNoiCSDL's code for the national population database (UNCONFIRMED code list, spec §2.2:
# Thanh Hóa sends "7"); listed for a dossier whose applicant a linked lookup found (R-NAT-082).
TINHSO_DVCQG_POPULATION_DB_CODE = env_str("TINHSO_DVCQG_POPULATION_DB_CODE", "7")
# The in-project national sandbox is served only when enabled: by default exactly when the
# portal's URL is the site's own (as the VNPay sandbox).
TINHSO_NATIONAL_SANDBOX = env_bool(
    "TINHSO_NATIONAL_SANDBOX", TINHSO_DVCQG_URL.startswith("{site_url}")
)
TINHSO_NATIONAL_SANDBOX_DIR = Path(
    env_str("TINHSO_NATIONAL_SANDBOX_DIR", str(VAR_DIR / "sandbox" / "national"))
)
# Dossiers filed on the national portal flowing down (spec §4, R-NAT-050): the pull adapter
# (list → detail → ack, every TINHSO_NATIONAL_INBOUND_PULL_SECONDS) and the push endpoint
# POST /national/inbound/dossiers; whichever the national side uses is switched on here. The push
# endpoint answers only a request whose `Authorization: Bearer` equals the shared secret; without a
# secret it is closed (403).
TINHSO_NATIONAL_INBOUND_PULL = env_bool("TINHSO_NATIONAL_INBOUND_PULL", True)
TINHSO_NATIONAL_INBOUND_PULL_SECONDS = env_int("TINHSO_NATIONAL_INBOUND_PULL_SECONDS", 60)
TINHSO_NATIONAL_INBOUND_SECRET = env_str(
    "TINHSO_NATIONAL_INBOUND_SECRET", "tinhso-demo-inbound" if DEBUG else ""
)
# The procedure catalogue from the national TTHC database (spec §3): the unit whose procedures are
# listed (LayDanhSachTTHCDonVi?maDonVi=…), fetched once a day and on demand
# (`tinhso national catalogue`).
TINHSO_NATIONAL_CATALOGUE_UNIT = env_str("TINHSO_NATIONAL_CATALOGUE_UNIT", TINHSO_DVCQG_UNIT_CODE)
TINHSO_NATIONAL_CATALOGUE_SECONDS = env_int("TINHSO_NATIONAL_CATALOGUE_SECONDS", 24 * 3600)
# What the national sandbox pushes inbound dossiers to, and the secret it sends (the sandbox
# stands for the national side: these are its settings, not ours).
TINHSO_DVCQG_SANDBOX_PUSH_URL = env_str(
    "TINHSO_DVCQG_SANDBOX_PUSH_URL", "{site_url}/national/inbound/dossiers"
)
TINHSO_DVCQG_SANDBOX_PUSH_SECRET = env_str(
    "TINHSO_DVCQG_SANDBOX_PUSH_SECRET", TINHSO_NATIONAL_INBOUND_SECRET
)
# The national platforms (issue 17; docs/deployment.md). Each block is filled by its own piece.
# --- national payment platform (PayGov, spec §5) ---
# The national payment platform (PayGov v1.0.6, docs/paygov.md): one URL serves INIT, QUERY and
# GET_BILL by default ({url}/init, /query, /bill); the demo partner code and secret work only
# with the in-project sandbox and are empty outside DEBUG.
TINHSO_PAYGOV_URL = env_str("TINHSO_PAYGOV_URL", "{site_url}/sandbox/national/pay")
TINHSO_PAYGOV_PARTNER_CODE = env_str("TINHSO_PAYGOV_PARTNER_CODE", "TINHSO-DEMO" if DEBUG else "")
TINHSO_PAYGOV_SECRET = env_str(
    "TINHSO_PAYGOV_SECRET", "DEMO-PAYGOV-SECRET-NOT-FOR-PRODUCTION" if DEBUG else ""
)
TINHSO_PAYGOV_SERVER_IP = env_str("TINHSO_PAYGOV_SERVER_IP", "127.0.0.1")  # Ip of INIT
TINHSO_PAYGOV_CONNECT_TIMEOUT = env_float("TINHSO_PAYGOV_CONNECT_TIMEOUT", 5.0)  # seconds
TINHSO_PAYGOV_READ_TIMEOUT = env_float(
    "TINHSO_PAYGOV_READ_TIMEOUT", 15.0
)  # the payer waits on INIT
# How long the payer has on the platform's checkout page; past it the expiry sweep asks (QUERY).
TINHSO_PAYGOV_EXPIRE_MINUTES = env_int("TINHSO_PAYGOV_EXPIRE_MINUTES", 30)
# Reconciliation (R-NAT-064): every N seconds, QUERY pending attempts older than MIN minutes and
# younger than MAX hours; still pending after MAX → handed to finance staff.
TINHSO_PAYGOV_RECONCILE_SECONDS = env_int("TINHSO_PAYGOV_RECONCILE_SECONDS", 15 * 60)
TINHSO_PAYGOV_RECONCILE_MIN_MINUTES = env_int("TINHSO_PAYGOV_RECONCILE_MIN_MINUTES", 30)
TINHSO_PAYGOV_RECONCILE_MAX_HOURS = env_int("TINHSO_PAYGOV_RECONCILE_MAX_HOURS", 72)
CELERY_BEAT_SCHEDULE |= {
    "paygov-reconcile": {
        "task": "tinhso.integrations.paygov.tasks.reconcile_paygov_payments",
        "schedule": TINHSO_PAYGOV_RECONCILE_SECONDS,
    },
}
# The sandbox's side (it stands for the platform): where it sends confirm callbacks.
TINHSO_PAYGOV_SANDBOX_CALLBACK_URL = env_str(
    "TINHSO_PAYGOV_SANDBOX_CALLBACK_URL", "{site_url}/payments/paygov/callback"
)
# The partner the sandbox accepts; empty = the same as ours (TINHSO_PAYGOV_PARTNER_CODE/SECRET).
TINHSO_PAYGOV_SANDBOX_PARTNER_CODE = env_str("TINHSO_PAYGOV_SANDBOX_PARTNER_CODE", "")
TINHSO_PAYGOV_SANDBOX_SECRET = env_str("TINHSO_PAYGOV_SANDBOX_SECRET", "")
# --- end national payment platform ---
# --- national population database (spec §7) ---
# The lookup endpoint is TINHSO_DANCU_URL + "/" + TINHSO_DANCU_OPERATION (Thanh Hóa's gateway:
# …/apiCSDLDanCu + ChiaSeThongTinCongDan). A clerk waits for the answer, so the lookup is a direct
# call with a short read timeout (not the outbox); past it the clerk goes on with paper proof.
TINHSO_DANCU_URL = env_str("TINHSO_DANCU_URL", "{site_url}/sandbox/national/dancu")
TINHSO_DANCU_OPERATION = env_str("TINHSO_DANCU_OPERATION", "lookup")
# HTTP Basic credentials of the gateway account, sent only when set (the real scheme is unknown).
TINHSO_DANCU_USERNAME = env_str("TINHSO_DANCU_USERNAME", "tinhso-demo" if DEBUG else "")
TINHSO_DANCU_PASSWORD = env_str("TINHSO_DANCU_PASSWORD", "tinhso-demo" if DEBUG else "")
TINHSO_DANCU_INTEGRATION_CODE = env_str("TINHSO_DANCU_INTEGRATION_CODE", "037")  # MaTichHop
TINHSO_DANCU_SYSTEM_CODE = env_str("TINHSO_DANCU_SYSTEM_CODE", "VPCP")  # MaDVC
TINHSO_DANCU_UNIT_CODE = env_str("TINHSO_DANCU_UNIT_CODE", "VPUB_VINHLONG")  # MaCanBo
TINHSO_DANCU_REQUEST_PREFIX = env_str("TINHSO_DANCU_REQUEST_PREFIX", "VLG_DVC_")  # MaYeuCau
TINHSO_DANCU_CONNECT_TIMEOUT = env_float("TINHSO_DANCU_CONNECT_TIMEOUT", 3.0)  # seconds
TINHSO_DANCU_READ_TIMEOUT = env_float("TINHSO_DANCU_READ_TIMEOUT", 8.0)  # a person waits
# Calls of one lookup on a transient failure (R-NAT-084), all within the read timeout above.
TINHSO_DANCU_ATTEMPTS = env_int("TINHSO_DANCU_ATTEMPTS", 3)
# --- end national population database ---
# --- citizen's data store (spec §6) ---
# The citizen's data store on the national portal (Kho quản lý dữ liệu điện tử, docs/datastore.md):
# signed results are pushed there through the outbox; a citizen filing picks documents held there.
# Development points at the sandbox; production sets the gateway's URL and credentials (secrets
# from the environment only, empty by default in production).
TINHSO_DATASTORE_ENABLED = env_bool("TINHSO_DATASTORE_ENABLED", True)
TINHSO_DATASTORE_URL = env_str("TINHSO_DATASTORE_URL", "{site_url}/sandbox/national/store")
TINHSO_DATASTORE_USERNAME = env_str("TINHSO_DATASTORE_USERNAME", "tinhso-demo" if DEBUG else "")
TINHSO_DATASTORE_PASSWORD = env_str("TINHSO_DATASTORE_PASSWORD", "tinhso-demo" if DEBUG else "")
TINHSO_DATASTORE_CONNECT_TIMEOUT = env_float("TINHSO_DATASTORE_CONNECT_TIMEOUT", 5.0)  # seconds
# The push (outbox worker) may wait as long as every national call (R-NAT-005)…
TINHSO_DATASTORE_READ_TIMEOUT = env_float("TINHSO_DATASTORE_READ_TIMEOUT", 60.0)  # seconds
# …but the list and the file fetched while a citizen waits on the filing page are short.
TINHSO_DATASTORE_INTERACTIVE_TIMEOUT = env_float("TINHSO_DATASTORE_INTERACTIVE_TIMEOUT", 8.0)
# --- end citizen's data store ---
# --- national portal sign-in (spec §4.2) ---
# Citizens and enterprises sign in through the national public-service portal's identity provider
# (docs/dvcqg-sso.md, R-NAT-055..057). Development points at the in-project sandbox; production
# sets the provider's URL, paths and the client registered with it (secrets from the environment
# only: the demo client exists only with DEBUG). ``{site_url}`` is TINHSO_SITE_URL (for the browser's
# redirects, the request's own origin while TINHSO_SITE_URL_FOLLOWS_REQUEST).
TINHSO_DVCQG_SSO_ENABLED = env_bool("TINHSO_DVCQG_SSO_ENABLED", DEBUG)
TINHSO_DVCQG_SSO_URL = env_str("TINHSO_DVCQG_SSO_URL", "{site_url}/sandbox/national/oidc")
TINHSO_DVCQG_SSO_AUTHORIZE_PATH = env_str("TINHSO_DVCQG_SSO_AUTHORIZE_PATH", "/authorize")
TINHSO_DVCQG_SSO_TOKEN_PATH = env_str("TINHSO_DVCQG_SSO_TOKEN_PATH", "/token")
TINHSO_DVCQG_SSO_USERINFO_PATH = env_str("TINHSO_DVCQG_SSO_USERINFO_PATH", "/userinfo")
TINHSO_DVCQG_SSO_VALIDATE_PATH = env_str("TINHSO_DVCQG_SSO_VALIDATE_PATH", "/validate")
TINHSO_DVCQG_SSO_LOGOUT_PATH = env_str("TINHSO_DVCQG_SSO_LOGOUT_PATH", "/logout")
# With a JWKS path the id_token is verified locally (signature, iss, aud, exp, nonce); empty →
# the provider's validate-token endpoint is asked instead (R-NAT-056).
TINHSO_DVCQG_SSO_JWKS_PATH = env_str("TINHSO_DVCQG_SSO_JWKS_PATH", "/jwks")
# The id_token's expected ``iss``; empty = TINHSO_DVCQG_SSO_URL (with {site_url} resolved).
TINHSO_DVCQG_SSO_ISSUER = env_str("TINHSO_DVCQG_SSO_ISSUER", "")
TINHSO_DVCQG_SSO_CLIENT_ID = env_str("TINHSO_DVCQG_SSO_CLIENT_ID", "tinhso-demo" if DEBUG else "")
TINHSO_DVCQG_SSO_CLIENT_SECRET = env_str(
    "TINHSO_DVCQG_SSO_CLIENT_SECRET", "DEMO-DVCQG-SSO-SECRET-NOT-FOR-PRODUCTION" if DEBUG else ""
)
TINHSO_DVCQG_SSO_SCOPE = env_str("TINHSO_DVCQG_SSO_SCOPE", "openid")
TINHSO_DVCQG_SSO_ACR_VALUES = env_str("TINHSO_DVCQG_SSO_ACR_VALUES", "")  # sent when not empty
TINHSO_DVCQG_SSO_CONNECT_TIMEOUT = env_float("TINHSO_DVCQG_SSO_CONNECT_TIMEOUT", 5.0)  # seconds
TINHSO_DVCQG_SSO_READ_TIMEOUT = env_float("TINHSO_DVCQG_SSO_READ_TIMEOUT", 10.0)  # a person waits
# LoaiTaiKhoan values allowed to sign in: 1 citizen, 2 enterprise, 3 organisation.
TINHSO_DVCQG_SSO_ACCOUNT_TYPES = env_list("TINHSO_DVCQG_SSO_ACCOUNT_TYPES", ["1", "2", "3"])
# UNCONFIRMED (R-NAT-057): the loAs / acr values that mean "VNeID level 2 or above".
TINHSO_DVCQG_SSO_VNEID_LEVEL2_VALUES = env_list(
    "TINHSO_DVCQG_SSO_VNEID_LEVEL2_VALUES", ["VNEID_LEVEL_2", "LoA2", "LoA3"]
)
# How long a started sign-in may take (state in the session), and how long a used state is
# remembered server-side so that a replay from anywhere is refused.
TINHSO_DVCQG_SSO_STATE_SECONDS = env_int("TINHSO_DVCQG_SSO_STATE_SECONDS", 10 * 60)
TINHSO_DVCQG_SSO_USED_STATE_SECONDS = env_int("TINHSO_DVCQG_SSO_USED_STATE_SECONDS", 24 * 3600)
# The sandbox's side (it stands for the provider): the client it accepts (empty = ours) and the
# redirect URIs registered for it ({site_url} = TINHSO_SITE_URL or the request's own origin).
TINHSO_DVCQG_SSO_SANDBOX_CLIENT_ID = env_str("TINHSO_DVCQG_SSO_SANDBOX_CLIENT_ID", "")
TINHSO_DVCQG_SSO_SANDBOX_CLIENT_SECRET = env_str("TINHSO_DVCQG_SSO_SANDBOX_CLIENT_SECRET", "")
TINHSO_DVCQG_SSO_SANDBOX_REDIRECT_URIS = env_list(
    "TINHSO_DVCQG_SSO_SANDBOX_REDIRECT_URIS", ["{site_url}/tai-khoan/dvcqg/callback/"]
)
TINHSO_DVCQG_SSO_SANDBOX_LOGOUT_URIS = env_list(
    "TINHSO_DVCQG_SSO_SANDBOX_LOGOUT_URIS", ["{site_url}/"]
)
# --- end national portal sign-in ---
# --- reports and petitions (issue 18) ---
# docs/reports.md. The province boundary a pin must fall in: a GeoJSON polygon or
# "min_lon,min_lat,max_lon,max_lat"; empty = a box around the demo province's seat positions.
TINHSO_REPORTS_BOUNDARY = env_str("TINHSO_REPORTS_BOUNDARY", "")
# Days (calendar) after the answer during which the reporter may reopen the report.
TINHSO_REPORTS_REOPEN_DAYS = env_int("TINHSO_REPORTS_REOPEN_DAYS", 7)
# Size cap of one photo (bytes) and photos per report.
TINHSO_REPORTS_PHOTO_MAX_BYTES = env_int("TINHSO_REPORTS_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
TINHSO_REPORTS_MAX_PHOTOS = env_int("TINHSO_REPORTS_MAX_PHOTOS", 4)
# Phone confirmation codes for anonymous reporters: validity (seconds) and attempts.
TINHSO_REPORTS_PHONE_CODE_SECONDS = env_int("TINHSO_REPORTS_PHONE_CODE_SECONDS", 600)
TINHSO_REPORTS_PHONE_CODE_ATTEMPTS = env_int("TINHSO_REPORTS_PHONE_CODE_ATTEMPTS", 5)
# --- end reports and petitions ---
# --- open311 (issue 18) ---
# GeoReport v2 discovery (docs/open311.md): when the service list last changed, whom to ask, where
# a client application gets a key, and whether this endpoint is "production" or "test".
TINHSO_OPEN311_CHANGESET = env_str("TINHSO_OPEN311_CHANGESET", "2026-12-08T00:00:00+07:00")
TINHSO_OPEN311_CONTACT = env_str("TINHSO_OPEN311_CONTACT", "")
TINHSO_OPEN311_KEY_SERVICE = env_str("TINHSO_OPEN311_KEY_SERVICE", "")
TINHSO_OPEN311_ENDPOINT_TYPE = env_str("TINHSO_OPEN311_ENDPOINT_TYPE", "production")
# --- end open311 ---
# --- postal return (spec §9) ---
# The post (VNPost-style, docs/postal.md): Thanh Hóa's known settings are urlVNPostAPI,
# urlVNPostGetToken, username, password, ReceiverProvince and NotificationUrl; the protocol itself
# is our documented design. Default: the in-project sandbox.
TINHSO_POSTAL_ENABLED = env_bool("TINHSO_POSTAL_ENABLED", True)
TINHSO_POSTAL_URL = env_str("TINHSO_POSTAL_URL", "{site_url}/sandbox/national/post")  # urlVNPostAPI
# urlVNPostGetToken; empty = {TINHSO_POSTAL_URL}/token
TINHSO_POSTAL_TOKEN_URL = env_str("TINHSO_POSTAL_TOKEN_URL", "")
TINHSO_POSTAL_USERNAME = env_str("TINHSO_POSTAL_USERNAME", "tinhso-demo" if DEBUG else "")
TINHSO_POSTAL_PASSWORD = env_str("TINHSO_POSTAL_PASSWORD", "tinhso-demo" if DEBUG else "")
TINHSO_POSTAL_RECEIVER_PROVINCE = env_str("TINHSO_POSTAL_RECEIVER_PROVINCE", "38")  # Thanh Hóa
TINHSO_POSTAL_NOTIFICATION_URL = env_str(  # NotificationUrl, sent with each order
    "TINHSO_POSTAL_NOTIFICATION_URL", "{site_url}/postal/tracking"
)
# The shared secret of the tracking notifications' HMAC-SHA256 signature (X-Postal-Signature).
TINHSO_POSTAL_WEBHOOK_SECRET = env_str(
    "TINHSO_POSTAL_WEBHOOK_SECRET", "DEMO-POSTAL-SECRET-NOT-FOR-PRODUCTION" if DEBUG else ""
)
TINHSO_POSTAL_CONNECT_TIMEOUT = env_float("TINHSO_POSTAL_CONNECT_TIMEOUT", 5.0)  # seconds
TINHSO_POSTAL_READ_TIMEOUT = env_float("TINHSO_POSTAL_READ_TIMEOUT", 20.0)  # seconds
TINHSO_POSTAL_POLL_SECONDS = env_int("TINHSO_POSTAL_POLL_SECONDS", 30 * 60)  # tracking poll
# The sandbox post: where it sends its notifications, and the secret it signs them with
# (empty = ours).
TINHSO_POSTAL_SANDBOX_NOTIFICATION_URL = env_str(
    "TINHSO_POSTAL_SANDBOX_NOTIFICATION_URL", "{site_url}/postal/tracking"
)
TINHSO_POSTAL_SANDBOX_SECRET = env_str("TINHSO_POSTAL_SANDBOX_SECRET", "")
CELERY_BEAT_SCHEDULE |= {
    "postal-poll": {
        "task": "tinhso.integrations.postal.tasks.poll_postal_shipments",
        "schedule": TINHSO_POSTAL_POLL_SECONDS,
    },
}
# --- end postal return ---
# How often the worker delivers what the outbox holds (Celery beat; `tinhso worker` under make run).
TINHSO_OUTBOX_DRAIN_SECONDS = env_int("TINHSO_OUTBOX_DRAIN_SECONDS", 10)
CELERY_BEAT_SCHEDULE |= {
    "drain-outbox": {
        "task": "tinhso.integrations.tasks.drain_outbox",
        "schedule": TINHSO_OUTBOX_DRAIN_SECONDS,
    },
    "national-inbound-pull": {
        "task": "tinhso.integrations.tasks.pull_national_dossiers",
        "schedule": TINHSO_NATIONAL_INBOUND_PULL_SECONDS,
    },
    "national-catalogue": {
        "task": "tinhso.integrations.tasks.sync_national_catalogue",
        "schedule": TINHSO_NATIONAL_CATALOGUE_SECONDS,
    },
}

# The site's public URL (links in e-mails, SMS, QR codes; VNPay's Return URL). Production sets it
# (`check --deploy` refuses a start without it, tinhso.E005). In development it defaults to the port
# `make run PORT=…` serves (the Makefile passes TINHSO_PORT), and while no TINHSO_SITE_URL is given
# the links built while serving a request (payment redirects, return URLs) use that request's own
# scheme, host and port, so http://localhost:8080 works as well as http://127.0.0.1:8000.
TINHSO_PORT = env_int("TINHSO_PORT", 8000)
TINHSO_SITE_URL = env_str("TINHSO_SITE_URL", f"http://127.0.0.1:{TINHSO_PORT}" if DEBUG else "")
TINHSO_SITE_URL_FOLLOWS_REQUEST = env_bool(
    "TINHSO_SITE_URL_FOLLOWS_REQUEST", DEBUG and "TINHSO_SITE_URL" not in os.environ
)
TINHSO_PROVINCE_NAME = env_str("TINHSO_PROVINCE_NAME", "Vĩnh Long")
# Office hours (R-DL-4): "HH:MM-HH:MM" intervals, comma separated.
TINHSO_OFFICE_HOURS = env_str("TINHSO_OFFICE_HOURS", "07:00-11:30,13:30-17:00")
TINHSO_SAME_DAY_CUTOFF = env_str("TINHSO_SAME_DAY_CUTOFF", "15:00")
# R-DL-13: compare completion with the appointment by "date" (default) or "datetime".
TINHSO_TIMELINESS_GRANULARITY = env_str("TINHSO_TIMELINESS_GRANULARITY", "date")
TINHSO_DUE_SOON_WORKING_HOURS = env_int("TINHSO_DUE_SOON_WORKING_HOURS", 8)
# R-DL-11 (docs/lifecycle.md): an apology's new appointment lies at most this many working days
# after the current one; 0 = the procedure's own processing time (at least one working day).
TINHSO_APOLOGY_MAX_EXTENSION_DAYS = env_int("TINHSO_APOLOGY_MAX_EXTENSION_DAYS", 0)
# Supplement requests during processing (R-LC-6, spec Q-4): how many the specialist may make per
# dossier (the law's "only once" reading: 1; the leader may go beyond with a recorded reason), and
# the applicant's response period in working days, flagged to the officials when it runs out
# (R-DL-10; 0 = no period). The 10-day default has no confirmed legal source.
TINHSO_SUPPLEMENT_REQUESTS_MAX = env_int("TINHSO_SUPPLEMENT_REQUESTS_MAX", 1)
TINHSO_SUPPLEMENT_RESPONSE_DAYS = env_int("TINHSO_SUPPLEMENT_RESPONSE_DAYS", 10)

# VietQR bank transfers (docs/payments-vietqr.md). The defaults are DEMO values, not a real
# account: set every one of these for a real province. The bank webhook is disabled while its
# secret is empty (the default outside DEBUG).
TINHSO_VIETQR_BANK_BIN = env_str("TINHSO_VIETQR_BANK_BIN", "970415")  # DEMO: VietinBank
TINHSO_VIETQR_ACCOUNT = env_str("TINHSO_VIETQR_ACCOUNT", "113366668888")  # DEMO account
TINHSO_VIETQR_ACCOUNT_NAME = env_str(
    "TINHSO_VIETQR_ACCOUNT_NAME", "TRUNG TAM PHUC VU HANH CHINH CONG (DEMO)"
)
# Agency (code) holding the account: its staff import statements and handle unmatched transfers.
TINHSO_VIETQR_AGENCY = env_str("TINHSO_VIETQR_AGENCY", "000.00.01.H61")  # DEMO: one-stop centre
TINHSO_BANK_WEBHOOK_SECRET = env_str(
    "TINHSO_BANK_WEBHOOK_SECRET", "demo-bank-webhook-secret" if DEBUG else ""
)
TINHSO_BANK_WEBHOOK_TOLERANCE_SECONDS = env_int("TINHSO_BANK_WEBHOOK_TOLERANCE_SECONDS", 300)

# Signed e-results (docs/results.md, docs/adr/0004-signing.md). The demo PKI lives in
# TINHSO_PKI_DIR (keys encrypted with TINHSO_PKI_PASSPHRASE, by default derived from SECRET_KEY);
# production agencies sign with a PKCS#12 file or a PKCS#11 token (TINHSO_SIGNER_<SLUG>_* variables).
TINHSO_PKI_DIR = Path(env_str("TINHSO_PKI_DIR", str(VAR_DIR / "pki")))
TINHSO_PKI_PASSPHRASE = env_str("TINHSO_PKI_PASSPHRASE", "")
TINHSO_SIGNER_DEFAULT = env_str("TINHSO_SIGNER_DEFAULT", "demo" if DEBUG else "")
TINHSO_TSA_URL = env_str("TINHSO_TSA_URL", "")  # RFC 3161 time-stamping: PAdES B-T instead of B-B
TINHSO_TRUST_ROOTS = env_list("TINHSO_TRUST_ROOTS", [])  # PEM/DER files of production root CAs

# Cache: per-process memory by default; with several app servers set TINHSO_CACHE_URL to Redis
# (redis://redis:6379/1) so lockouts and rate limits are shared.
_CACHE_URL = env_str("TINHSO_CACHE_URL", "")
# Django's Redis cache that answers as an empty cache while Redis is unreachable (tinhso.cache:
# counters only, so a Redis outage lifts rate limits for its length instead of failing every
# request); a Redis that hangs is given up after a second.
CACHES = {
    "default": {
        "BACKEND": "tinhso.cache.ResilientRedisCache",
        "LOCATION": _CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if _CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Sign-in and sessions (docs/security.md) ---
# Officials and administrators confirm a TOTP code (or a recovery code) after the password.
TINHSO_SECOND_FACTOR_REQUIRED = env_bool("TINHSO_SECOND_FACTOR_REQUIRED", True)
# Sessions opened in-process without an HTTP request (the test client's force_login, a shell)
# count as second-factor verified; never through a web page. Off in production.
TINHSO_TRUST_PROGRAMMATIC_LOGIN = env_bool("TINHSO_TRUST_PROGRAMMATIC_LOGIN", DEBUG)
TINHSO_OFFICIAL_IDLE_MINUTES = env_int("TINHSO_OFFICIAL_IDLE_MINUTES", 30)  # 0: no idle expiry
# Security keys and passkeys (WebAuthn) in place of the code, added after TOTP (docs/adr/0008).
# The origin is what the browser's address bar shows (https://dichvucong.example.gov.vn), the RP
# ID its domain; empty: taken from the request (local demo). Set both in production.
TINHSO_WEBAUTHN_ORIGIN = env_str("TINHSO_WEBAUTHN_ORIGIN", "")
TINHSO_WEBAUTHN_RP_ID = env_str("TINHSO_WEBAUTHN_RP_ID", "")
TINHSO_WEBAUTHN_CHALLENGE_SECONDS = env_int("TINHSO_WEBAUTHN_CHALLENGE_SECONDS", 180)
# Brute force: failures counted per account and per client address; 0 disables a limit.
TINHSO_LOGIN_FAILURES_PER_ACCOUNT = env_int("TINHSO_LOGIN_FAILURES_PER_ACCOUNT", 5)
TINHSO_LOGIN_FAILURES_PER_ADDRESS = env_int("TINHSO_LOGIN_FAILURES_PER_ADDRESS", 50)
TINHSO_LOGIN_LOCKOUT_SECONDS = env_int("TINHSO_LOGIN_LOCKOUT_SECONDS", 15 * 60)
# The address is checked first: failures on this many different usernames also lock it (caps
# password spraying; only while _PER_ADDRESS is on), and an address over its limit no longer
# adds failures to accounts.
TINHSO_LOGIN_USERNAMES_PER_ADDRESS = env_int("TINHSO_LOGIN_USERNAMES_PER_ADDRESS", 10)
# The owner of a locked account signs in with the password and a one-time unlock code sent to
# the account's e-mail and phone (tinhso.accounts.unlock): lifetime, tries per code, codes per
# account and hour, requests per address and hour.
TINHSO_UNLOCK_CODE_SECONDS = env_int("TINHSO_UNLOCK_CODE_SECONDS", 10 * 60)
TINHSO_UNLOCK_CODE_ATTEMPTS = env_int("TINHSO_UNLOCK_CODE_ATTEMPTS", 5)
TINHSO_UNLOCK_CODES_PER_HOUR = env_int("TINHSO_UNLOCK_CODES_PER_HOUR", 3)
TINHSO_UNLOCK_REQUESTS_PER_HOUR = env_int("TINHSO_UNLOCK_REQUESTS_PER_HOUR", 10)
TINHSO_LOGIN_RATE_PER_MINUTE = env_int(
    "TINHSO_LOGIN_RATE_PER_MINUTE", 60
)  # sign-in posts per address
# Behind N reverse proxies the client address is the N-th last X-Forwarded-For hop.
TINHSO_TRUSTED_PROXY_COUNT = env_int("TINHSO_TRUSTED_PROXY_COUNT", 0)
# Public lookup by dossier code: failed attempts per hour, per code and per address.
TINHSO_LOOKUP_FAILURES_PER_HOUR = env_int("TINHSO_LOOKUP_FAILURES_PER_HOUR", 10)
# REST API rates ("N/s", "N/m", "N/h", "N/d"; empty disables), per address when anonymous and
# per user when signed in (tinhso.accounts.throttling); the token endpoint has its own.
TINHSO_API_RATE_ANON = env_str("TINHSO_API_RATE_ANON", "1200/m")
TINHSO_API_RATE_USER = env_str("TINHSO_API_RATE_USER", "6000/m")
TINHSO_API_RATE_TOKEN = env_str("TINHSO_API_RATE_TOKEN", "30/m")
SESSION_COOKIE_AGE = env_int("TINHSO_SESSION_SECONDS", 14 * 24 * 3600)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Sign-in with OpenID Connect (VNeID or another provider; docs/security.md). Disabled while
# TINHSO_OIDC_ISSUER is empty. Accounts are matched on the personal ID claim, never on e-mail.
TINHSO_OIDC_ISSUER = env_str("TINHSO_OIDC_ISSUER", "")
TINHSO_OIDC_CLIENT_ID = env_str("TINHSO_OIDC_CLIENT_ID", "")
TINHSO_OIDC_CLIENT_SECRET = env_str("TINHSO_OIDC_CLIENT_SECRET", "")
TINHSO_OIDC_SCOPES = env_str("TINHSO_OIDC_SCOPES", "openid profile")
TINHSO_OIDC_PERSONAL_ID_CLAIM = env_str("TINHSO_OIDC_PERSONAL_ID_CLAIM", "personal_id")
TINHSO_OIDC_NAME_CLAIM = env_str("TINHSO_OIDC_NAME_CLAIM", "name")
TINHSO_OIDC_PHONE_CLAIM = env_str("TINHSO_OIDC_PHONE_CLAIM", "phone_number")
TINHSO_OIDC_LABEL = env_str("TINHSO_OIDC_LABEL", "VNeID")
TINHSO_OIDC_TIMEOUT = env_int("TINHSO_OIDC_TIMEOUT", 10)  # seconds, calls to the provider

# Personal data notice shown at registration (Law 91/2025/QH15 and Decree 356/2025/NĐ-CP, in
# force 1/1/2026): bump when the text changes; citizens are asked again at their next visit.
TINHSO_PRIVACY_NOTICE_VERSION = env_str("TINHSO_PRIVACY_NOTICE_VERSION", "2026-01")
# Slips cite Circular 01/2018/TT-VPCP before this day and Circular 03/2025/TT-VPCP from it (ISO date;
# docs/slips.md: the circular's own effective date is unconfirmed).
TINHSO_CIRCULAR_03_2025_FROM = env_str("TINHSO_CIRCULAR_03_2025_FROM", "2025-07-01")

# Uploads, beyond the size cap: bounded parsing and an optional ClamAV daemon (clamd INSTREAM).
TINHSO_UPLOAD_MAX_PDF_PAGES = env_int("TINHSO_UPLOAD_MAX_PDF_PAGES", 200)
TINHSO_UPLOAD_MAX_IMAGE_PIXELS = env_int("TINHSO_UPLOAD_MAX_IMAGE_PIXELS", 50_000_000)
TINHSO_CLAMAV_SOCKET = env_str("TINHSO_CLAMAV_SOCKET", "")  # e.g. /run/clamav/clamd.ctl
TINHSO_CLAMAV_HOST = env_str("TINHSO_CLAMAV_HOST", "")  # or host:port, e.g. clamav:3310
TINHSO_CLAMAV_TIMEOUT = env_int("TINHSO_CLAMAV_TIMEOUT", 30)  # seconds

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("TINHSO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("TINHSO_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("TINHSO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("TINHSO_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}
# Further origins a form may redirect to (tinhso.csp adds the OIDC issuer and the VNPay gateway).
TINHSO_CSP_FORM_ACTION = env_list("TINHSO_CSP_FORM_ACTION", [])

# --- OWASP ASVS 4.0.3 level 2 review (docs/security.md, "OWASP ASVS 4.0.3 level 2") ---
# V3.4.4: with Secure cookies (production) the session and CSRF cookies take the "__Host-" prefix:
# the browser then keeps them only when set by this very host over HTTPS for the path "/", so a
# sibling subdomain can neither read nor plant them. Over plain HTTP (make run) a browser would
# refuse such a cookie, hence only with Secure cookies.
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
if CSRF_COOKIE_SECURE:
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# --- end of the ASVS block ---

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TINHSO_LOG_LEVEL", "INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}

# --- Operations centre (ioc, indicators) ---------------------------------------------------
# Boundaries for the map (a GeoJSON file the deployment provides; empty = units drawn at their seats).
TINHSO_IOC_BOUNDARIES = env_str("TINHSO_IOC_BOUNDARIES", "")
CELERY_BEAT_SCHEDULE |= {
    "ioc-alerts": {"task": "tinhso.indicators.tasks.evaluate_alerts", "schedule": 15 * 60},
}

# --- Data platform (datasets, sensors) -----------------------------------------------------
# The MQTT broker the sensor ingest worker subscribes to (docs/sensors.md).
TINHSO_MQTT_HOST = env_str("TINHSO_MQTT_HOST", "127.0.0.1")
TINHSO_MQTT_PORT = env_int("TINHSO_MQTT_PORT", 1883)
TINHSO_MQTT_CLIENT_ID = env_str("TINHSO_MQTT_CLIENT_ID", "tinhso-sensors-ingest")
TINHSO_MQTT_PREFIX = env_str("TINHSO_MQTT_PREFIX", "")
TINHSO_MQTT_USERNAME = env_str("TINHSO_MQTT_USERNAME", "")
TINHSO_MQTT_PASSWORD = env_str("TINHSO_MQTT_PASSWORD", "")
TINHSO_MQTT_TLS = env_bool("TINHSO_MQTT_TLS", False)
# A salinity alert clears after this many hours below 80% of its limit (the tide crosses it twice a day).
TINHSO_SALINITY_CLEAR_AFTER_HOURS = env_int("TINHSO_SALINITY_CLEAR_AFTER_HOURS", 25)
CELERY_BEAT_SCHEDULE |= {
    "publish-statistics": {
        "task": "tinhso.datasets.tasks.publish_statistics",
        "schedule": 24 * 60 * 60,
    },
}

# --- Audit log and security operations (audit) ---------------------------------------------
# Signed anchors of the hash chain go to the database and, apart, to these monthly files (docs/audit.md).
TINHSO_AUDIT_ANCHOR_DIR = env_str("TINHSO_AUDIT_ANCHOR_DIR", str(VAR_DIR / "audit-anchors"))
TINHSO_AUDIT_ANCHOR_KEY = env_str("TINHSO_AUDIT_ANCHOR_KEY", "")
TINHSO_AUDIT_ANCHOR_TRUSTED_KEYS = env_list("TINHSO_AUDIT_ANCHOR_TRUSTED_KEYS", [])
TINHSO_AUDIT_STREAMS = env_int("TINHSO_AUDIT_STREAMS", 16)
TINHSO_AUDIT_WORKDAY = env_str("TINHSO_AUDIT_WORKDAY", "06:30-18:30")
TINHSO_SECURITY_EMAILS = env_list("TINHSO_SECURITY_EMAILS", [])
CELERY_BEAT_SCHEDULE |= {
    "audit-anchor": {"task": "tinhso.audit.tasks.anchor_audit_log", "schedule": 5 * 60},
    "audit-verify": {"task": "tinhso.audit.tasks.verify_audit_log", "schedule": 24 * 60 * 60},
    "audit-alerts": {"task": "tinhso.audit.tasks.evaluate_alerts", "schedule": 60},
}
