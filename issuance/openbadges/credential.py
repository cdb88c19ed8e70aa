"""Build an unsigned Open Badges 3.0 OpenBadgeCredential (VC Data Model 2.0) from plain values."""

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from .loader import CREDENTIALS_V2_URL, OB_V3P0_CONTEXT_URL, OB_V3P0_EXTENSIONS_URL
from .sign import datetime_xsd

RENDER_METHOD_TYPE = "SvgRenderingTemplate2023"
# Its term, given inline: no context that verifiers bundle defines it, and they fetch none.
RENDER_METHOD_CONTEXT = {RENDER_METHOD_TYPE: "https://w3id.org/vc/render-method#SvgRenderingTemplate2023"}

# Score kinds the OB 3.0 ResultDescription.resultType vocabulary accepts for a numeric score.
SCORE_RESULT_TYPES = ("Percent", "RawScore", "ScaledScore", "GradePointAverage")


class CredentialInputError(ValueError):
    """An input that would make a credential invalid (relative id, naive date, empty name…)."""


def _absolute_iri(value: str, field: str) -> str:
    scheme = urlsplit(value).scheme if isinstance(value, str) else ""
    ok = scheme in ("urn", "did") or (scheme in ("http", "https") and urlsplit(value).netloc)
    if not ok:
        raise CredentialInputError(f"{field} must be an absolute IRI (https://…, urn:uuid:…, did:…); got {value!r}.")
    return value


def _text(value: str | None, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CredentialInputError(f"{field} must be non-empty text; got {value!r}.")
    return value


# OB 3.0's LanguageCode, as its schema checks it: fr, pt-BR, zh-Hans.
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


def _language(value: str, field: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE_CODE.match(value):
        raise CredentialInputError(f"{field} must be a language code such as fr, pt-BR or zh-Hans; got {value!r}.")
    return value


def email_identity_hash(*, email: str, salt: str) -> str:
    """`sha256$<hex>` of the normalised (trimmed, lower-cased) email followed by the salt."""
    normalised = _text(email, "recipient_email").strip().lower()
    if "@" not in normalised:
        raise CredentialInputError(f"recipient_email does not look like an email address: {email!r}.")
    return "sha256$" + hashlib.sha256((normalised + salt).encode("utf-8")).hexdigest()


def _image(url: str | None, field: str, caption: str | None = None) -> dict | None:
    if not url:
        return None
    image = {"id": _absolute_iri(url, field), "type": "Image"}
    if caption:
        image["caption"] = caption
    return image


def _result(*, achievement_id: str, score: str, score_type: str, score_min: str | None, score_max: str | None):
    if score_type not in SCORE_RESULT_TYPES:
        raise CredentialInputError(f"score_type must be one of {SCORE_RESULT_TYPES}; got {score_type!r}.")
    description = {"id": f"{achievement_id}#result-score", "type": ["ResultDescription"], "name": "Score",
                   "resultType": score_type}
    if score_min is not None:
        description["valueMin"] = str(score_min)
    if score_max is not None:
        description["valueMax"] = str(score_max)
    result = {"type": ["Result"], "resultDescription": description["id"], "value": str(score)}
    return description, result


def open_badge_credential_build(
    *,
    credential_id: str,
    issuer_id: str,
    issuer_name: str,
    issuer_url: str | None = None,
    issuer_image: str | None = None,
    issuer_email: str | None = None,
    achievement_id: str,
    achievement_name: str,
    achievement_description: str,
    criteria_narrative: str,
    achievement_image: str | None = None,
    achievement_tags: Sequence[str] = (),
    achievement_related: Sequence[str] = (),
    achievement_language: str = "",
    achievement_editions: Sequence[tuple[str, str]] = (),
    credential_name: str | None = None,
    recipient_email: str,
    recipient_salt: str,
    recipient_name: str | None = None,
    valid_from: datetime,
    valid_until: datetime | None = None,
    score: str | int | float | None = None,
    score_type: str = "Percent",
    score_min: str | None = None,
    score_max: str | None = None,
    evidence: Sequence[Mapping[str, str]] = (),
    credential_status: Mapping | None = None,
    refresh_service: Mapping | None = None,
    render_method: Mapping | None = None,
) -> dict:
    """An unsigned OpenBadgeCredential; sign it with `sign.credential_sign`.

    `credential_status` is one entry (see `bitstring.status_list_entry_build`): OB 3.0 and its
    schema allow a single credentialStatus object, not a list. No `credentialSchema` is emitted:
    its 1EdTech type name is not a JSON-LD term, and strict verifiers reject the relative type.
    `refresh_service` (`{"id", "type": "1EdTechCredentialRefresh"}`) brings 1EdTech's extensions
    context, where that type name is a term. `render_method` (`{"id", "type": "SvgRenderingTemplate2023",
    "digestMultibase"}`) comes with an inline context naming its type.

    `achievement_language` is the language of the name and description given (OB 3.0's `inLanguage`,
    "" when unknown); `achievement_editions` are (id, language) of the same achievement in other
    languages, listed as `related` (OB 3.0's `Related` exists for alternate language editions): the
    schema takes `name` and `description` only as plain strings, so language maps cannot carry them.
    """
    if valid_until is not None and valid_until <= valid_from:
        raise CredentialInputError(f"valid_until ({valid_until}) must be after valid_from ({valid_from}).")
    if not recipient_salt:
        raise CredentialInputError("recipient_salt must be a non-empty random string.")
    issuer = {"id": _absolute_iri(issuer_id, "issuer_id"), "type": ["Profile"], "name": _text(issuer_name, "issuer_name")}
    if issuer_url:
        issuer["url"] = _absolute_iri(issuer_url, "issuer_url")
    if issuer_image:
        issuer["image"] = _image(issuer_image, "issuer_image")
    if issuer_email:
        issuer["email"] = issuer_email
    achievement = {
        "id": _absolute_iri(achievement_id, "achievement_id"),
        "type": ["Achievement"],
        "name": _text(achievement_name, "achievement_name"),
        "description": _text(achievement_description, "achievement_description"),
        "criteria": {"narrative": _text(criteria_narrative, "criteria_narrative")},
    }
    if achievement_image:
        achievement["image"] = _image(achievement_image, "achievement_image", caption=achievement_name)
    if achievement_language:
        achievement["inLanguage"] = _language(achievement_language, "achievement_language")
    # The same achievement elsewhere: an imported credential's original badge class, and this
    # achievement's editions in other languages (each with its language).
    related = [{"id": _absolute_iri(url, "achievement_related[]"), "type": ["Related"]} for url in achievement_related]
    related += [{"id": _absolute_iri(edition_id, "achievement_editions id"), "type": ["Related"],
                 "inLanguage": _language(language, "achievement_editions language")}
                for edition_id, language in achievement_editions]
    if related:
        achievement["related"] = related
    if achievement_tags:
        achievement["tag"] = [_text(tag, "achievement_tags[]") for tag in achievement_tags]
    identifiers = [{
        "type": "IdentityObject",
        "identityHash": email_identity_hash(email=recipient_email, salt=recipient_salt),
        "identityType": "emailAddress",
        "hashed": True,
        "salt": recipient_salt,
    }]
    if recipient_name:
        identifiers.append({"type": "IdentityObject", "identityHash": recipient_name, "identityType": "name",
                            "hashed": False})
    subject = {"type": ["AchievementSubject"], "identifier": identifiers, "achievement": achievement}
    if score is not None:
        description, result = _result(achievement_id=achievement_id, score=str(score), score_type=score_type,
                                      score_min=score_min, score_max=score_max)
        achievement["resultDescription"] = [description]
        subject["result"] = [result]
    credential = {
        "@context": [CREDENTIALS_V2_URL, OB_V3P0_CONTEXT_URL],
        "id": _absolute_iri(credential_id, "credential_id"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": datetime_xsd(valid_from),
        "name": _text(credential_name or achievement_name, "credential_name"),
        "credentialSubject": subject,
    }
    if valid_until is not None:
        credential["validUntil"] = datetime_xsd(valid_until)
    if evidence:
        credential["evidence"] = [_evidence(item) for item in evidence]
    if credential_status is not None:
        if not isinstance(credential_status, Mapping):
            raise CredentialInputError("credential_status must be one entry (a mapping), not a list.")
        credential["credentialStatus"] = dict(credential_status)
    if refresh_service is not None:
        credential["@context"].append(OB_V3P0_EXTENSIONS_URL)
        credential["refreshService"] = {"id": _absolute_iri(refresh_service.get("id"), "refresh_service id"),
                                        "type": _text(refresh_service.get("type"), "refresh_service type")}
    if render_method is not None:
        if render_method.get("type") == RENDER_METHOD_TYPE:
            credential["@context"].append(dict(RENDER_METHOD_CONTEXT))
        _absolute_iri(render_method.get("id"), "render_method id")
        credential["renderMethod"] = [dict(render_method)]
    return credential


def _evidence(item: Mapping[str, str]) -> dict:
    unknown = set(item) - {"id", "name", "narrative", "description", "genre", "audience"}
    if unknown:
        raise CredentialInputError(
            f"Unknown evidence fields {sorted(unknown)}; allowed: id, name, narrative, description, genre, audience."
        )
    entry = {"type": ["Evidence"], **item}
    if "id" in entry:
        _absolute_iri(entry["id"], "evidence id")
    return entry
