"""Laurel's settings. Everything comes from the environment; the defaults are the embedded profile."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static

from .env import envbool, envint, envlist, envstr, fernet_key_is_valid
from .oidc_settings import oidc_settings
from .storage import media_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("LAUREL_VAR_DIR", str(BASE_DIR / "var")))

DEVELOPMENT_SECRET_KEY = "laurel-development-key-never-use-in-production"

DEBUG = envbool("DEBUG", True)
SECRET_KEY = envstr("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
LAUREL_BASE_URL = envstr("LAUREL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(LAUREL_BASE_URL)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", f"{_base.scheme}://{_base.netloc}")

if not DEBUG:
    # Production refuses unsafe values at start-up, one variable per message.
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 32 characters when DEBUG is off."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list this site's host names when DEBUG is off.")
    if _base.scheme != "https":
        raise ImproperlyConfigured(
            f"LAUREL_BASE_URL must be an https:// URL when DEBUG is off (it is {LAUREL_BASE_URL!r})."
        )
    if not fernet_key_is_valid(envstr("LAUREL_KEY_ENCRYPTION_KEY")):
        raise ImproperlyConfigured(
            "LAUREL_KEY_ENCRYPTION_KEY must be 32 random bytes in url-safe base64 when DEBUG is off "
            "(it encrypts the organisations' signing keys)."
        )

INSTALLED_APPS = [
    # django-unfold, the admin theme, and its styling of the history and import pages: before the admin.
    "unfold.apps.BasicAppConfig",  # not its default config, which would replace our LaurelAdminSite
    "unfold.contrib.simple_history",
    "unfold.contrib.import_export",
    "credentials_site.apps.LaurelAdminConfig",  # django.contrib.admin with the two-factor-aware site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "credentials_site.apps.CredentialsSiteConfig",  # before django_q: its qcluster command replaces django-q2's
    "django_q",
    "simple_history",
    "import_export",
    "anymail",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "courses",
    "issuance",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "credentials_site.admin.csp.LaurelCSPMiddleware",  # django-csp's, plus the admin's one extra (ADR 0009)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires: it answers a locked-out sign-in
]

# --- Staff sign-in (docs/security.md) -----------------------------------------------------------
# django-axes counts consecutive failed sign-ins per (username, address) and locks that pair out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # What a staff user may do comes from their memberships' roles (courses/access/roles.py).
    "courses.access.backends.MembershipPermissionBackend",
    # Sign-in through the organisation's OpenID Connect provider, when it is set up (docs/sign-in.md).
    "credentials_site.oidc.ProviderSignInBackend",
]
LAUREL_ADMIN_LOCKOUT_FAILURES = envint("LAUREL_ADMIN_LOCKOUT_FAILURES", 10)
if not 1 <= LAUREL_ADMIN_LOCKOUT_FAILURES <= 10:
    raise ImproperlyConfigured(
        f"LAUREL_ADMIN_LOCKOUT_FAILURES must be between 1 and 10, not {LAUREL_ADMIN_LOCKOUT_FAILURES}."
    )
LAUREL_ADMIN_LOCKOUT_MINUTES = envint("LAUREL_ADMIN_LOCKOUT_MINUTES", 30)
AXES_FAILURE_LIMIT = LAUREL_ADMIN_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=LAUREL_ADMIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # "consecutive": a successful sign-in clears the count
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False
# Two-factor sign-in (django-otp, TOTP): optional for staff who enrol a device; "required" makes it
# compulsory for superusers.
LAUREL_ADMIN_2FA = envstr("LAUREL_ADMIN_2FA", "optional").strip().lower()
if LAUREL_ADMIN_2FA not in ("optional", "required"):
    raise ImproperlyConfigured(f"LAUREL_ADMIN_2FA must be optional or required, not {LAUREL_ADMIN_2FA!r}.")
OTP_TOTP_ISSUER = "Laurel"
# Sign-in through the organisation's OpenID Connect provider (docs/sign-in.md): off unless its issuer and
# this client's id and secret are set. The LAUREL_OIDC_* and OIDC_* names are in credentials_site/oidc_settings.py.
globals().update(oidc_settings())

ROOT_URLCONF = "credentials_site.urls"
WSGI_APPLICATION = "credentials_site.wsgi.application"

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
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'laurel.sqlite3'}")
# Persistent connections: without them every request and every queue task opened a new connection
# (and on SQLite checkpointed the WAL when closing it); see docs/performance.md.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=envint("DB_CONN_MAX_AGE", 600),
        conn_health_checks=envbool("DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    # Several worker processes share one file: WAL lets readers run beside the writer, IMMEDIATE
    # transactions take the write lock up front so the busy timeout applies (Django ticket #29280).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-laurel.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- The queue, the pipeline, outbound calls, verification, the learner's page, wallets, polling ----
# (credentials_site/work_settings.py: Q_CLUSTER, REDIS_URL and the LAUREL_* settings of the work itself)
from .work_settings import *  # noqa: E402,F401,F403
from .work_settings import REDIS_URL  # named: the cache below reads it

# --- Cache: shared by every process (the webhook's per-source rate limit counts in it) --------------
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A table in the embedded database (created by a migration), so web workers share one count.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "laurel_cache"}}

# --- Email ------------------------------------------------------------------------------------
EMAIL_HOST = envstr("EMAIL_HOST")
LAUREL_EMAIL_ESP = envstr("LAUREL_EMAIL_ESP")
MAIL_DIR = VAR_DIR / "mail"
if LAUREL_EMAIL_ESP:
    EMAIL_BACKEND = f"anymail.backends.{LAUREL_EMAIL_ESP}.EmailBackend"
elif EMAIL_HOST:
    EMAIL_BACKEND = "issuance.email.backends.SmtpBackend"  # Django's, with SMTPUTF8 for non-ASCII local parts
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
else:
    EMAIL_BACKEND = "issuance.email.backends.EmlFileBackend"
# Every ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"], e.g. ANYMAIL_POSTMARK_SERVER_TOKEN.
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}
# With anymail's Postmark backend, the outbox sends up to this many first attempts of one organisation in one
# call to Postmark's batch endpoint (its limit is 500); 1 sends each alone. Other transports send each alone.
# 50 certificate emails are about 7.5 MB: a call that ends well within the time a worker holds a step.
LAUREL_EMAIL_BATCH_SIZE = envint("LAUREL_EMAIL_BATCH_SIZE", 50)
# ...and posts at most this many bytes a call (the JSON as sent, attachments base64-encoded in it): Postmark's
# documented "up to 50 MB payload size, including attachments", read as 50,000,000; a larger burst is split.
LAUREL_EMAIL_BATCH_MAX_BYTES = envint("LAUREL_EMAIL_BATCH_MAX_BYTES", 50_000_000)
# Seconds a worker keeps trying to record an email's or a call's outcome while the database cannot be
# reached (a restart): unrecorded, the sweep would make the attempt again (issuance/outcome_write.py).
LAUREL_OUTCOME_WRITE_SECONDS = envint("LAUREL_OUTCOME_WRITE_SECONDS", 60)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Laurel <laurel@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": media_storage(os.environ),  # MEDIA_S3_BUCKET: an S3-compatible bucket shared by every node
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = ["credentials_site.formats"]  # English dates day first, 24-hour (credentials_site/formats/en)
TIME_ZONE = "UTC"
USE_I18N = True
# What a learner receives is in their language (docs/learners.md): Laurel's own text is translated in
# locale/<language>/LC_MESSAGES/django.po, compiled .mo committed. The staff admin stays in English: no
# LocaleMiddleware; public pages choose their language themselves (issuance/public/languages.py).
LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("es", "Español"), ("pt-br", "Português (Brasil)"),
             ("it", "Italiano"), ("nl", "Nederlands"), ("ar", "العربية"), ("zh-hans", "简体中文"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # A staff user's `Authorization: Token …`, kept hashed (courses/access/user_tokens.py).
        "issuance.api.v1.authentication.UserTokenAuthentication",
        # An organisation's API key, `Authorization: Bearer lk_…` (docs/organisations.md).
        "issuance.api.v1.authentication.ApiKeyAuthentication",
        # The admin's session, refused to a superuser who has not passed a required two-factor code.
        "issuance.api.v1.authentication.TwoFactorSessionAuthentication",
    ],
    # Staff with the model permissions the admin would ask for (issuance/api/v1/permissions.py).
    "DEFAULT_PERMISSION_CLASSES": ["issuance.api.v1.permissions.StaffModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "issuance.api.v1.filters.PagesOr400",
    # JSON read with the limits every Laurel endpoint uses (size, depth, storable text); forms as DRF does.
    "DEFAULT_PARSER_CLASSES": [
        "issuance.api.v1.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Laurel API",
    "DESCRIPTION": (
        "Completion webhooks (Standard Webhooks signatures) and the staff API for the events they create. "
        "Staff endpoints take a user's `Authorization: Token <token>` or an organisation's API key, "
        "`Authorization: Bearer lk_…`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files: the docs page works with no outside network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security (production is behind a TLS-terminating proxy) ----------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp 4). Scripts only from our own static files:
# no page has an inline script, so none needs 'unsafe-inline'. Styles keep 'unsafe-inline' for the
# admin's and the public pages' style attributes and brand colours; images may come from the media
# bucket (https) or be data: URIs (badge previews, Swagger UI).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, f"{_base.scheme}://{_base.netloc}", "data:", "https:"],  # pages link LAUREL_BASE_URL
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# The admin's theme (django-unfold) evaluates its Alpine.js attribute expressions, which needs
# 'unsafe-eval' in script-src: allowed on /admin/ pages only, never 'unsafe-inline' (docs/decisions/0007).
LAUREL_ADMIN_SCRIPT_SRC_EXTRA = ["'unsafe-eval'"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

LAUREL = {
    "ORGANIZATION_KEY_SECRET": envstr("LAUREL_KEY_ENCRYPTION_KEY"),
    # Embedded profile only: with no key set, one is generated into this file on first use.
    # Production never does this (it refuses to start without the variable, above).
    "ORGANIZATION_KEY_FILE": str(VAR_DIR / "key-encryption-key") if DEBUG else "",
}

# --- The admin (django-unfold) ------------------------------------------------------------------
# "Staff time saved" on the dashboard: credentials issued × the minutes one takes by hand (typing
# the certificate, exporting the PDF, writing the email). 10 is a conservative guess; set your own.
LAUREL_MINUTES_PER_MANUAL_CREDENTIAL = envint("LAUREL_MINUTES_PER_MANUAL_CREDENTIAL", 10)
if LAUREL_MINUTES_PER_MANUAL_CREDENTIAL < 0:
    raise ImproperlyConfigured("LAUREL_MINUTES_PER_MANUAL_CREDENTIAL must be 0 or more minutes.")

UNFOLD = {
    "SITE_TITLE": "Laurel",
    "SITE_HEADER": "Laurel",
    "SITE_SUBHEADER": "Credentials",
    "SITE_SYMBOL": "workspace_premium",
    "SITE_FAVICONS": [{"rel": "icon", "type": "image/x-icon", "href": lambda request: "/favicon.ico"}],
    # "View site": the public verification page (where / leads too).
    "SITE_URL": "/verify",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": True,
    "DASHBOARD_CALLBACK": "credentials_site.admin.dashboard.dashboard_callback",
    "STYLES": [lambda request: static("laurel/admin.css")],  # Laurel's few admin rules (truncation, charts)
    # The user menu: set up two-factor sign-in for yourself (credentials_site.two_factor_views).
    "ACCOUNT": {"navigation": [{"title": "Two-factor sign-in", "link": "/admin/two-factor/"}]},
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": "credentials_site.admin.navigation.sidebar_navigation",
    },
}
