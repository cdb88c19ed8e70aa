"""What the public credential page shows: facts that never change (cached) and the status (always live)."""

import threading
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from cachetools import TTLCache
from django.core.cache import cache
from django.utils.translation import gettext

from courses.models import achievement_text_in

from ..credentials import credential_public_code, credential_url
from ..lifecycle.expiry import credential_shown_status
from ..linkedin import linkedin_add_to_profile_url
from ..models import Credential
from ..openbadges.hosted import achievement_image_url, credential_assertion_url
from ..openbadges.issuer import organization_badge_verify
from ..openbadges.sign import VerificationResult

FACTS_SECONDS = 3600
Status = Credential.Status


@dataclass(frozen=True)
class PublicStatus:
    key: str  # valid, expired, superseded, revoked, suspended, pending
    label: str
    reason: str = ""


def _facts_key(credential_id, certificate_sha256: str) -> str:
    # Keyed by the certificate's hash too: a regenerated certificate (a name correction, a new
    # template) changes it, so the page never shows a stale name or fingerprint.
    return f"credential-page:v4:{credential_id}:{certificate_sha256}"


def credential_signature_check(*, credential: Credential) -> VerificationResult:
    """Verify the stored badge's proof against the organisation's published keys, as a verifier would."""
    if not credential.badge:
        return VerificationResult(False, "the Open Badges credential has not been signed yet")
    return organization_badge_verify(organization=credential.issuance.organization, badge=credential.badge)


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return moment.astimezone(zone) if moment else None


def _score(badge: dict) -> str:
    """The result the signed credential carries, e.g. '92%', so the page says exactly what was signed."""
    results = (badge.get("credentialSubject") or {}).get("result") or []
    descriptions = (badge.get("credentialSubject") or {}).get("achievement", {}).get("resultDescription") or []
    if not results:
        return ""
    value = results[0].get("value", "")
    percent = descriptions and descriptions[0].get("resultType") == "Percent"
    return f"{value}%" if percent else value


def _imported(credential: Credential, zone: ZoneInfo) -> dict | None:
    """Where an imported credential was first issued, and when (its evidence says the same in the signed JSON)."""
    imported = (credential.issuance.completion or {}).get("imported") or {}
    if not imported.get("issued_at"):
        return None
    # A list of Open Badges 2.0 addresses names no platform: the host the original was served from does.
    platform = (urlsplit(imported.get("original_url") or "").hostname if imported.get("source") == "ob2" else "") or (
        imported.get("source_label") or imported.get("source", ""))
    return {"platform": platform, "issued_at": _local(datetime.fromisoformat(imported["issued_at"]), zone)}


def _facts(credential: Credential) -> dict:
    issuance = credential.issuance
    organization, achievement, course = issuance.organization, credential.achievement, issuance.course
    zone = ZoneInfo(organization.timezone)
    page_url = credential_url(credential_id=credential.pk)
    code = credential_public_code(credential_id=credential.pk)
    issued, expires = _local(credential.issued_at, zone), _local(credential.valid_until, zone)
    check = credential_signature_check(credential=credential)
    badge = credential.badge or {}
    # The page opens in the learner's language, so the achievement is named in it where staff wrote it (#33).
    name, description, _ = achievement_text_in(achievement=achievement, language=issuance.language)
    return {
        "id": str(credential.pk), "code": code, "learner_name": issuance.learner_name,
        "language": issuance.language,  # the page a link to this credential opens is in the learner's language
        "achievement": {"name": name, "description": description,
                        "criteria": achievement.criteria_narrative, "tags": achievement.tag_list},
        "course": {"title": course.title, "code": course.code},
        "organization": {"name": organization.name, "website": organization.website,
                         "primary": organization.primary_color, "accent": organization.accent_color,
                         "logo": organization.logo.url if organization.logo else ""},
        "issued_at": issued, "valid_from": _local(credential.valid_from, zone), "valid_until": expires,
        "imported": _imported(credential, zone),
        "timezone": organization.timezone,
        "pdf_sha256": credential.pdf_sha256 if credential.pdf else "",
        "signed": bool(badge),
        "score": _score(badge),
        "signature": {"verified": check.verified, "reason": check.reason, "method": check.verification_method or ""},
        "issuer_id": (badge.get("issuer") or {}).get("id", ""),
        "signed_at": ((badge.get("proof") or [{}])[0]).get("created", ""),
        "urls": {
            "page": page_url, "pdf": credential_url(credential_id=credential.pk, suffix=".pdf"),
            "json": credential_url(credential_id=credential.pk, suffix=".json"),
            "png": credential_url(credential_id=credential.pk, suffix="/badge.png"),
            "image": achievement_image_url(achievement=achievement),
            "assertion": credential_assertion_url(credential=credential),
            # The page's button goes through Laurel, which counts the click (public/linkedin.py) and sends
            # the visitor on to LinkedIn's form, built here from the credential and nothing the visitor sent.
            "linkedin": credential_url(credential_id=credential.pk, suffix="/linkedin"),
            "linkedin_profile": linkedin_add_to_profile_url(
                name=name, organization_name=organization.name, issued_at=issued, expires_at=expires,
                cert_url=page_url, cert_id=code,
            ),
        },
    }


def credential_live_row(*, credential_id) -> dict | None:
    """Read on every request: revocation and suspension must show the moment they happen."""
    return (Credential.objects.filter(pk=credential_id)
            .values("status", "status_reason", "pdf_sha256", "learner__erased_at", "holder_hidden_at",
                    "valid_until").first())


# This process's copy of the shared cache's facts, for a minute: each is keyed by the certificate's
# hash and never changes under its key, and a page then needs no Redis round trip (production page
# p99, docs/performance.md).
_local_facts: TTLCache = TTLCache(maxsize=1024, ttl=60)
_local_lock = threading.Lock()


def credential_page_facts(*, credential_id, certificate_sha256: str) -> dict | None:
    """The unchanging part of the page; cached once the credential is signed (before that it still changes)."""
    key = _facts_key(credential_id, certificate_sha256)
    with _local_lock:
        facts = _local_facts.get(key)
    if facts is None:
        facts = cache.get(key)
        if facts is not None:
            with _local_lock:
                _local_facts[key] = facts
    if facts is not None:
        return facts
    credential = (
        Credential.objects.select_related("achievement", "issuance__organization", "issuance__course")
        .filter(pk=credential_id).first()
    )
    if credential is None:
        return None
    facts = _facts(credential)
    if facts["signed"]:
        cache.set(key, facts, FACTS_SECONDS)
        with _local_lock:
            _local_facts[key] = facts
    return facts


def credential_page_forget(*, credential_id, certificate_sha256: str) -> None:
    """Drop the cached facts (they hold the learner's name): erasure calls this; other processes' copies last a minute
    at most, and the page checks erasure before it reads them."""
    key = _facts_key(credential_id, certificate_sha256)
    cache.delete(key)
    with _local_lock:
        _local_facts.pop(key, None)


def credential_public_status(*, row: dict, valid_until: datetime | None) -> PublicStatus:
    """The status, its label in the active language (the caller's), and the reason staff gave, as they wrote it."""
    if row["status"] == Status.REVOKED:
        return PublicStatus("revoked", gettext("Revoked"), row["status_reason"])
    if row["status"] == Status.SUSPENDED:
        return PublicStatus("suspended", gettext("Suspended"), row["status_reason"])
    if row["status"] == Status.SUPERSEDED:
        return PublicStatus("superseded", gettext("Superseded"), gettext("It was renewed: a newer credential replaced this one."))
    # Expired by the daily job, or past its end before the job has run: the page says expired either way.
    if credential_shown_status(status=row["status"], valid_until=valid_until) == Status.EXPIRED:
        return PublicStatus("expired", gettext("Expired"))
    return PublicStatus("valid", gettext("Valid"))
