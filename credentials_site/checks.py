"""System checks: misconfiguration is caught at start-up, not by the first learner."""

import importlib
import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

from issuance.delivery.esp_batch import POSTMARK_BATCH_MESSAGES
from issuance.delivery.tracking_webhooks import tracking_webhook_problem

from .env import fernet_key_is_valid


@register()
def check_base_url(app_configs, **kwargs):
    parts = urlsplit(settings.LAUREL_BASE_URL)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return [
            Error(
                f"LAUREL_BASE_URL must be an absolute http(s) URL without query or fragment, "
                f"not {settings.LAUREL_BASE_URL!r}.",
                hint="Example: https://credentials.example.org",
                id="laurel.E001",
            )
        ]
    return []


@register()
def check_var_dir(app_configs, **kwargs):
    var_dir = settings.VAR_DIR
    try:
        var_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return [Error(f"LAUREL_VAR_DIR {var_dir} cannot be created: {exc}", id="laurel.E002")]
    if not os.access(var_dir, os.W_OK):
        return [Error(f"LAUREL_VAR_DIR {var_dir} is not writable.", id="laurel.E002")]
    return []


@register()
def check_queue_broker(app_configs, **kwargs):
    redis_url = settings.REDIS_URL
    if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        return [
            Error(
                f"REDIS_URL must start with redis://, rediss:// or unix://, not {redis_url!r}.",
                id="laurel.E003",
            )
        ]
    return []


@register()
def check_email_backend(app_configs, **kwargs):
    esp = settings.LAUREL_EMAIL_ESP
    if not esp:
        return []
    try:
        importlib.import_module(f"anymail.backends.{esp}")
    except ImportError:
        return [
            Error(
                f"LAUREL_EMAIL_ESP={esp!r} is not an email service django-anymail supports.",
                hint="Use the anymail backend module name, e.g. postmark, mailgun, sendgrid, amazon_ses.",
                id="laurel.E004",
            )
        ]
    return []


@register()
def check_email_batch_size(app_configs, **kwargs):
    size = settings.LAUREL_EMAIL_BATCH_SIZE
    if 1 <= size <= POSTMARK_BATCH_MESSAGES:
        return []
    return [Error(f"LAUREL_EMAIL_BATCH_SIZE={size} is out of range: Postmark takes 1 to {POSTMARK_BATCH_MESSAGES} messages a call.",
                  hint="Set it between 1 (each email alone) and 500, or leave it unset for 50.", id="laurel.E006")]


@register()
def check_key_encryption_key(app_configs, **kwargs):
    """Organisations' signing keys are encrypted with this key: a bad one fails every badge step."""
    secret = settings.LAUREL.get("ORGANIZATION_KEY_SECRET") or ""
    key_file = settings.LAUREL.get("ORGANIZATION_KEY_FILE") or ""
    hint = 'Generate one: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    if secret and not fernet_key_is_valid(secret):
        return [Error("LAUREL_KEY_ENCRYPTION_KEY is not a valid key: it must be 32 random bytes in url-safe base64 "
                      f"(44 characters), got {len(secret)} characters.", hint=hint, id="laurel.E005")]
    if not secret and key_file and os.path.exists(key_file):
        with open(key_file, encoding="ascii", errors="replace") as handle:
            if not fernet_key_is_valid(handle.read().strip()):
                return [Error(f"The development key file {key_file} does not hold a valid key.",
                              hint="Delete it only if no organisation has signed anything with it; otherwise restore it.",
                              id="laurel.E005")]
    if not secret and not key_file:
        return [Error("LAUREL_KEY_ENCRYPTION_KEY is not set; organisations' signing keys cannot be encrypted.",
                      hint=hint, id="laurel.E005")]
    return []


@register(deploy=True)
def check_production_database(app_configs, **kwargs):
    engine = settings.DATABASES["default"]["ENGINE"]
    if not settings.DEBUG and engine.endswith("sqlite3"):
        return [
            Warning(
                "The embedded SQLite database is in use with DEBUG off.",
                hint="Set DATABASE_URL to a PostgreSQL database for production.",
                id="laurel.W001",
            )
        ]
    return []


@register()
def check_tracking_webhook_credentials(app_configs, **kwargs):
    """An ESP without webhook credentials has its tracking URL switched off; production refuses to start."""
    esp = settings.LAUREL_EMAIL_ESP
    if not esp:
        return []
    try:
        importlib.import_module(f"anymail.backends.{esp}")
    except ImportError:
        return []  # laurel.E004 already says so
    problem = tracking_webhook_problem(esp)
    if not problem:
        return []
    message = f"LAUREL_EMAIL_ESP={esp}: {problem} Its tracking URL /anymail/{esp}/tracking/ is switched off."
    hint = ("Set ANYMAIL_WEBHOOK_SECRET=<user>:<long random string> and give the ESP the URL with those "
            "credentials in it (docs/delivery.md).")
    if settings.DEBUG:
        return [Warning(message, hint=hint, id="laurel.W010")]
    return [Error(message, hint=hint, id="laurel.E010")]
