"""Open Badges 2.0 hosted documents and badge images for Laurel's credentials, achievements and issuers."""

import hashlib
import io
from urllib.parse import urlencode, urljoin

from django.conf import settings
from django.core.cache import cache
from PIL import Image

from courses.models import Achievement, Organization

from ..credentials import credential_url
from ..models import Credential
from .badge_image import badge_image_render
from .ob2 import (
    ob2_assertion_build,
    ob2_badge_class_build,
    ob2_issuer_build,
    ob2_recipient_identity,
    ob2_revoked_assertion_build,
    png_bake,
)

IMAGE_CACHE_SECONDS = 24 * 3600


def _url(path: str) -> str:
    return f"{settings.LAUREL_BASE_URL}{path}"


def achievement_badge_class_url(*, achievement: Achievement) -> str:
    return _url(f"/ob2/badges/{achievement.pk}")


def achievement_edition_url(*, achievement: Achievement, language: str) -> str:
    """The achievement's name and description in one language, as an OB 2.0 BadgeClass."""
    return _url(f"/ob2/badges/{achievement.pk}?{urlencode({'lang': language})}")


def achievement_editions(*, achievement: Achievement, but: str = "") -> list[tuple[str, str]]:
    """(id, language) of each language the achievement has its own text in, except `but`."""
    return [(achievement_edition_url(achievement=achievement, language=text.language), text.language)
            for text in achievement.texts.all() if text.language != but]


def achievement_image_url(*, achievement: Achievement) -> str:
    return _url(f"/ob2/badges/{achievement.pk}/image.png")


def organization_ob2_issuer_url(*, organization: Organization) -> str:
    return _url(f"/ob2/issuers/{organization.slug}")


def credential_assertion_url(*, credential: Credential) -> str:
    return _url(f"/ob2/assertions/{credential.pk}")


def _logo_url(organization: Organization) -> str | None:
    return urljoin(settings.LAUREL_BASE_URL + "/", organization.logo.url) if organization.logo else None


def ob2_issuer_for(*, organization: Organization) -> dict:
    return ob2_issuer_build(
        issuer_url=organization_ob2_issuer_url(organization=organization), name=organization.name,
        url=organization.website or settings.LAUREL_BASE_URL, email=organization.reply_to or organization.sender_email,
        image=_logo_url(organization),
    )


def ob2_badge_class_for(*, achievement: Achievement, language: str = "") -> dict | None:
    """The BadgeClass; with `language`, its edition in that language (None when it has no text in it)."""
    if language:
        text = achievement.texts.filter(language=language).first()
        if text is None:
            return None
        url, name, description = achievement_edition_url(achievement=achievement, language=language), text.name, text.description
    else:
        url, name, description = achievement_badge_class_url(achievement=achievement), achievement.name, achievement.description
    return ob2_badge_class_build(
        badge_class_url=url,
        issuer_url=organization_ob2_issuer_url(organization=achievement.organization),
        name=name, description=description,
        image=achievement_image_url(achievement=achievement),
        criteria_narrative=achievement.criteria_narrative, tags=achievement.tag_list,
    )


def ob2_assertion_for(*, credential: Credential) -> tuple[int, dict]:
    """(HTTP status, body): the hosted assertion, or the 2.0 tombstone (410) while it is not valid.

    OB 2.0 knows only `revoked`; a suspended credential is served as revoked until it is restored,
    so a 2.0 backpack never shows it as valid.
    """
    url = credential_assertion_url(credential=credential)
    if credential.status == Credential.Status.REVOKED:
        return 410, ob2_revoked_assertion_build(assertion_url=url, reason=credential.status_reason or "Revoked.")
    if credential.status == Credential.Status.SUSPENDED:
        reason = f"Suspended: {credential.status_reason}" if credential.status_reason else "Suspended."
        return 410, ob2_revoked_assertion_build(assertion_url=url, reason=reason)
    return 200, _assertion(credential)


def _assertion(credential: Credential) -> dict:
    organization = credential.issuance.organization
    return ob2_assertion_build(
        assertion_url=credential_assertion_url(credential=credential),
        badge_class_url=achievement_badge_class_url(achievement=credential.achievement),
        recipient=ob2_recipient_identity(email=credential.learner.email, salt=organization.recipient_salt),
        issued_on=credential.issued_at, expires=credential.valid_until,
        image=credential_url(credential_id=credential.pk, suffix="/badge.png"),
        evidence_url=credential_url(credential_id=credential.pk),
    )


def _as_png(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data))
    if image.format == "PNG":
        return data
    out = io.BytesIO()
    image.convert("RGBA").save(out, format="PNG")
    return out.getvalue()


def achievement_image_png(*, achievement: Achievement) -> bytes:
    """The achievement's own image (as PNG), or a badge drawn in the organisation's colours."""
    organization = achievement.organization
    key = "badge-image:" + hashlib.sha256("|".join([
        str(achievement.pk), achievement.name, achievement.image.name or "", organization.name,
        organization.primary_color, organization.accent_color,
    ]).encode()).hexdigest()
    png = cache.get(key)
    if png is None:
        if achievement.image:
            with achievement.image.open("rb") as handle:
                png = _as_png(handle.read())
        else:
            png = badge_image_render(title=achievement.name, organization_name=organization.name,
                                     primary=organization.primary_color, accent=organization.accent_color)
        cache.set(key, png, IMAGE_CACHE_SECONDS)
    return png


def credential_baked_png(*, credential: Credential) -> bytes:
    """The badge image with the hosted assertion baked in (an OB 2.0 `openbadges` iTXt chunk)."""
    base = achievement_image_png(achievement=credential.achievement)
    key = f"baked-badge:{credential.pk}:{hashlib.sha256(base).hexdigest()[:16]}"
    png = cache.get(key)
    if png is None:
        png = png_bake(png=base, assertion=_assertion(credential))
        cache.set(key, png, IMAGE_CACHE_SECONDS)
    return png
