"""How Laurel fills in a certificate's merge fields (which ones exist: courses/templating/certificate_fields.py).

`certificate_merge_fields` builds the plain context from plain values (no models), with dates in
the organisation's locale and time zone.
"""

import re
import zoneinfo
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from courses.templating.field_names import with_aliases
from courses.templating.learner_text import learner_text_line

from .qr import qr_code_data_uri
from .references import ASSET_SCHEME

_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


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
    achievement_name: str = "",
    achievement_description: str = "",
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
    return with_aliases({
        "learner_name": learner_text_line(learner_name),
        "course_title": learner_text_line(course_title),
        "course_code": learner_text_line(course_code),
        "achievement_name": learner_text_line(achievement_name),
        "achievement_description": learner_text_line(achievement_description),
        "completion_date": format_day(completed_at, locale=locale, timezone=timezone),
        "issue_date": format_day(issued_at, locale=locale, timezone=timezone),
        "expiry_date": format_day(expires_at, locale=locale, timezone=timezone),
        "credential_id": str(credential_id),
        "verification_url": verification_url,
        "qr_code": qr_code_data_uri(verification_url),
        "score": "" if score is None else format_decimal(score, locale=_babel_locale(locale)),
        # Scores are 0–100; the percent sign (and its spacing: "92 %" in French) is the locale's.
        "score_percent": "" if score is None else format_percent(
            Decimal(str(score)) / 100, locale=_babel_locale(locale), decimal_quantization=False
        ),
        "organization_name": learner_text_line(organization_name),
        "organization_logo": f"{ASSET_SCHEME}{organization_logo_asset}" if organization_logo_asset else "",
        "primary_color": primary_color,
        "accent_color": accent_color,
        "signatories": [
            {
                "name": learner_text_line(signatory["name"]),
                "title": learner_text_line(signatory.get("title", "")),
                "signature": f"{ASSET_SCHEME}{signatory['signature_asset']}" if signatory.get("signature_asset") else "",
            }
            for signatory in signatories
        ],
    })
