"""Reading configuration from the environment: small helpers that fail loudly on bad values."""

import base64
import binascii
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (true/false), not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envintlist(name: str, default: str) -> list[int]:
    """Comma-separated positive whole numbers, at least one; unset or empty gives `default`."""
    raw = os.environ.get(name, "").strip() or default
    items = [item.strip() for item in raw.split(",")]
    if not all(item.isdigit() and int(item) > 0 for item in items):
        raise ImproperlyConfigured(f"{name} must be positive whole numbers separated by commas, not {raw!r}")
    return [int(item) for item in items]


def fernet_key_is_valid(value: str) -> bool:
    """The form a Fernet key takes (LAUREL_KEY_ENCRYPTION_KEY): url-safe base64 of exactly 32 bytes."""
    try:
        return len(base64.urlsafe_b64decode(value.encode("ascii"))) == 32
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
