"""The merge fields a certificate template may use, and how Laurel fills them in.

`FIELDS` is the documentation staff see beside the editor; `FIELD_SPEC` is what the sandbox
allows; `certificate_merge_fields` builds the plain context from plain values (no models), with
dates in the organisation's locale and time zone.
"""

import re
import unicodedata
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal

from .qr import qr_code_data_uri
from .references import ASSET_SCHEME

FIELDS: dict[str, str] = {
    "learner_name": "The learner's name, exactly as recorded (always escaped).",
    "learner_name_font_size": "A font size in points (8 to 40) that fits the name on at most two lines, e.g. style=\"font-size: {{ learner_name_font_size }}pt\". Sized for a name area 68% of the page wide, or what the CSS declares with --laurel-name-width: 55%.",
    "course_title": "The course title.",
    "course_code": "The course code, e.g. FA-101.",
    "completion_date": "When the learner completed the course, as a long date in the organisation's language and time zone.",
    "issue_date": "When the credential was issued, formatted like completion_date.",
    "expiry_date": "When the credential expires, formatted like completion_date; empty if it never expires.",
    "credential_id": "The credential's public id.",
    "verification_url": "The public page where anyone can verify the credential.",
    "qr_code": "A QR code image of verification_url, for <img src=\"{{ qr_code }}\">.",
    "score": "The learner's score in the organisation's number format; empty if the course has none.",
    "organization_name": "The issuing organisation's name.",
    "organization_logo": "The organisation's logo, for <img src=\"{{ organization_logo }}\">; empty without a logo.",
    "primary_color": "The organisation's primary colour, e.g. #1F3A5F.",
    "accent_color": "The organisation's accent colour, e.g. #B8893B.",
    "page_size": "The page size and orientation for @page, e.g. a4 landscape.",
    "signatories": "A list; each has name, title and signature (an image, or empty): {% for s in signatories %}{{ s.name }}{% endfor %}.",
}
SIGNATORY_KEYS = frozenset({"name", "title", "signature"})
FIELD_SPEC = {name: (SIGNATORY_KEYS if name == "signatories" else None) for name in FIELDS}

_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"{locale!r} is not a locale Laurel can format dates in (e.g. en, pt-BR, de).") from None


def format_day(value: date | datetime | None, *, locale: str, timezone: str) -> str:
    """`value` as a long date ("26 November 2026", "26 de novembro de 2026") where the organisation is."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone; pass an aware datetime.")
        value = value.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    return format_date(value, format="long", locale=_babel_locale(locale))


def clean_text(value: str) -> str:
    """NFC, no control characters, single spaces: what a name should look like on paper."""
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", str(value))).split())


def certificate_merge_fields(
    *,
    learner_name: str,
    course_title: str,
    credential_id: str,
    verification_url: str,
    organization_name: str,
    completed_at: date | datetime,
    issued_at: date | datetime,
    expires_at: date | datetime | None = None,
    course_code: str = "",
    score: Decimal | float | int | None = None,
    organization_logo_asset: str = "",
    signatories: Iterable[Mapping[str, str]] = (),
    primary_color: str = "#1F3A5F",
    accent_color: str = "#B8893B",
    locale: str = "en",
    timezone: str = "UTC",
) -> dict:
    """The plain context for `certificate_render_pdf`.

    Each signatory is a mapping with `name`, `title` and optionally `signature_asset` (the name
    of an organisation asset holding the signature image).
    """
    for label, color in (("primary_color", primary_color), ("accent_color", accent_color)):
        if not _HEX_COLOR.match(color):
            raise ValueError(f"{label} must be # and six hex digits, got {color!r}.")
    return {
        "learner_name": clean_text(learner_name),
        "course_title": clean_text(course_title),
        "course_code": clean_text(course_code),
        "completion_date": format_day(completed_at, locale=locale, timezone=timezone),
        "issue_date": format_day(issued_at, locale=locale, timezone=timezone),
        "expiry_date": format_day(expires_at, locale=locale, timezone=timezone),
        "credential_id": str(credential_id),
        "verification_url": verification_url,
        "qr_code": qr_code_data_uri(verification_url),
        "score": "" if score is None else format_decimal(score, locale=_babel_locale(locale)),
        "organization_name": clean_text(organization_name),
        "organization_logo": f"{ASSET_SCHEME}{organization_logo_asset}" if organization_logo_asset else "",
        "primary_color": primary_color,
        "accent_color": accent_color,
        "signatories": [
            {
                "name": clean_text(signatory["name"]),
                "title": clean_text(signatory.get("title", "")),
                "signature": f"{ASSET_SCHEME}{signatory['signature_asset']}" if signatory.get("signature_asset") else "",
            }
            for signatory in signatories
        ],
    }
