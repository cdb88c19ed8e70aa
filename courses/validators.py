"""Validation of what staff type into the catalogue."""

import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

validate_hex_color = RegexValidator(
    r"^#[0-9A-Fa-f]{6}$", "Enter a colour as # followed by six hex digits, e.g. #1F3A5F."
)

validate_course_code = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
    "A course code is 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit.",
)

validate_condition_path = RegexValidator(
    r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$",
    "A path is dot-separated keys into the completion, e.g. extra.department or score.",
)


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not an IANA time zone such as Europe/Lisbon.") from None


_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


def validate_locale(value: str) -> None:
    if not _LOCALE.match(value):
        raise ValidationError(f"{value!r} is not a locale such as en, pt-BR or de.")


MAX_REMINDER_DAYS = 3650


def reminder_days_parse(value: str) -> list[int]:
    """'90, 30, 0' as [90, 30, 0]; raises ValueError naming the part that is not a number of days."""
    days = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) > MAX_REMINDER_DAYS:
            raise ValueError(f"{part!r} is not a number of days from 0 to {MAX_REMINDER_DAYS}.")
        days.append(int(part))
    return days


def validate_reminder_days(value: str) -> None:
    try:
        reminder_days_parse(value)
    except ValueError as exc:
        raise ValidationError(f"Give days before expiry separated by commas, e.g. 90,30,0: {exc}") from None
