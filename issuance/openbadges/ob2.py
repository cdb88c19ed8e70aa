"""Open Badges 2.0 for older backpacks: hosted Assertion/BadgeClass/Issuer JSON and PNG baking."""

import hashlib
import io
import json
import re
import warnings
from collections.abc import Sequence
from datetime import datetime

from django.utils.translation import gettext_noop as _
from PIL import Image, PngImagePlugin

from .sign import datetime_xsd

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
# OB 2.0 baking: one iTXt chunk with this keyword, uncompressed, holding the assertion.
BAKE_KEYWORD = "openbadges"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class BakingError(ValueError):
    """The image is not a PNG we can bake into, or carries no assertion.

    `message` is the sentence before its values are put in (marked for translation where a visitor reads
    it: the verify page) and `params` its values; `str()` is it in English."""

    def __init__(self, message: str, params: dict | None = None):
        self.message, self.params = message, params or {}
        super().__init__(message % self.params if params else message)


def ob2_recipient_identity(*, email: str, salt: str) -> dict:
    """Hashed email recipient: identity `sha256$` + hex(SHA-256(normalised email + salt))."""
    normalised = email.strip().lower()
    if not _EMAIL.match(normalised):
        raise ValueError(f"Recipient email does not look like an email address: {email!r}.")
    if not salt:
        raise ValueError("The recipient salt must be a non-empty random string.")
    digest = hashlib.sha256((normalised + salt).encode("utf-8")).hexdigest()
    return {"type": "email", "hashed": True, "salt": salt, "identity": f"sha256${digest}"}


def ob2_recipient_matches(*, recipient: dict, email: str) -> bool:
    """Whether `email` is the assertion's recipient: its `sha256$`/`md5$` hash with the salt, or the plain identity."""
    normalised, identity = email.strip().lower(), str(recipient.get("identity") or "").strip()
    if not normalised:
        return False
    if not recipient.get("hashed"):
        return identity.lower() == normalised
    algorithm, _separator, digest = identity.partition("$")
    if algorithm not in ("sha256", "md5"):
        return False
    salted = (normalised + str(recipient.get("salt") or "")).encode("utf-8")
    return hashlib.new(algorithm, salted).hexdigest() == digest.lower()


def ob2_issuer_build(*, issuer_url: str, name: str, url: str, email: str, image: str | None = None) -> dict:
    issuer = {"@context": OB2_CONTEXT, "type": "Issuer", "id": issuer_url, "name": name, "url": url, "email": email}
    if image:
        issuer["image"] = image
    return issuer


def ob2_badge_class_build(
    *,
    badge_class_url: str,
    issuer_url: str,
    name: str,
    description: str,
    image: str,
    criteria_narrative: str,
    criteria_url: str | None = None,
    tags: Sequence[str] = (),
) -> dict:
    criteria = {"narrative": criteria_narrative}
    if criteria_url:
        criteria["id"] = criteria_url
    badge = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url,
        "name": name,
        "description": description,
        "image": image,
        "criteria": criteria,
        "issuer": issuer_url,
    }
    if tags:
        badge["tags"] = list(tags)
    return badge


def ob2_assertion_build(
    *,
    assertion_url: str,
    badge_class_url: str,
    recipient: dict,
    issued_on: datetime,
    expires: datetime | None = None,
    image: str | None = None,
    evidence_url: str | None = None,
) -> dict:
    assertion = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": assertion_url,
        "recipient": recipient,
        "badge": badge_class_url,
        "issuedOn": datetime_xsd(issued_on),
        "verification": {"type": "HostedBadge"},
    }
    if expires is not None:
        assertion["expires"] = datetime_xsd(expires)
    if image:
        assertion["image"] = image
    if evidence_url:
        assertion["evidence"] = evidence_url
    return assertion


def ob2_revoked_assertion_build(*, assertion_url: str, reason: str) -> dict:
    """The body served (with HTTP 410 Gone) for a revoked hosted assertion."""
    return {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": assertion_url,
        "revoked": True,
        "revocationReason": reason,
    }


def png_bake(*, png: bytes, assertion: dict | str) -> bytes:
    """Return `png` re-saved with one `openbadges` iTXt chunk: the assertion JSON, or its URL."""
    text = assertion if isinstance(assertion, str) else json.dumps(assertion, separators=(",", ":"))
    try:
        image = Image.open(io.BytesIO(png))
        image.load()
    except (OSError, SyntaxError) as exc:
        raise BakingError(f"The badge image could not be read as a PNG: {exc}") from exc
    if image.format != "PNG":
        raise BakingError(f"Only PNG badge images can be baked here; got {image.format}.")
    info = PngImagePlugin.PngInfo()
    # Carry over other text chunks, but never a previous assertion: one openbadges chunk per image.
    for key, value in image.text.items():
        if key != BAKE_KEYWORD:
            info.add_itxt(key, value)
    info.add_itxt(BAKE_KEYWORD, text, lang="", tkey="", zip=False)
    out = io.BytesIO()
    extra = {"icc_profile": image.info["icc_profile"]} if "icc_profile" in image.info else {}
    image.save(out, format="PNG", pnginfo=info, **extra)
    return out.getvalue()


def png_unbake(*, png: bytes, max_pixels: int | None = None) -> str:
    """The text of the `openbadges` chunk (assertion JSON or URL) of a baked PNG.

    With `max_pixels`, an image larger than that is refused before its pixels are decompressed
    (a PNG bomb: a few KiB that inflate to gigabytes).
    """
    try:
        with warnings.catch_warnings():
            # Pillow warns past 89 M pixels; with max_pixels the size is refused below anyway.
            if max_pixels is not None:
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(png))
        if image.format != "PNG":
            raise BakingError(_("The image is %(format)s, not a PNG."), {"format": image.format})
        if max_pixels is not None and image.width * image.height > max_pixels:
            raise BakingError(_("The image is %(width)s × %(height)s pixels, more than a badge (%(limit)s pixels at most)."),
                              {"width": image.width, "height": image.height, "limit": max_pixels})
        image.load()
    except BakingError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        # ValueError: a compressed text chunk that inflates past Pillow's limit (a text bomb).
        raise BakingError(_("The image could not be read as a PNG: %(reason)s"), {"reason": str(exc)}) from exc
    value = getattr(image, "text", {}).get(BAKE_KEYWORD)
    if value is None:
        raise BakingError(_("The PNG carries no 'openbadges' chunk: it is not a baked badge."))
    return str(value)
