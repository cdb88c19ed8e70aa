"""An Open Badges 2.0 badge from another site, checked as the 2.0 specification's verification says.

Hosted: the assertion is fetched at its `id`, then its BadgeClass and its Issuer, each through the
outgoing-request guard (LAUREL_VERIFY_FETCH_TIMEOUT, 64 KiB each). The hosted assertion must be the one baked; its `id` must be within
the issuer's verification policy (`allowedOrigins` and `startsWith`, else the issuer `id`'s host).
Signed (a JWS, RS256): the key its `verification.creator` names is fetched, must be owned and listed by the
issuer, and must verify the signature (PyJWT); the issuer's `revocationList` is read.
Either way it must be neither revoked nor past `expires`, and when the verifier typed an email, its hashed
recipient must be that email.

Every sentence is the verify page's visitor's language (the API's: English), like the rest of the report.
"""

import re
from datetime import datetime, time, timezone as dt_timezone
from urllib.parse import urlsplit

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from ..bodies import BodyRefused, json_request_parse
from ..openbadges.ob2 import ob2_recipient_matches
from ..outgoing.guard import OutcomeUnknown, OutboundRequestError, ResponseTooLarge, TargetRefused, guarded_request

DOCUMENT_MAX_BYTES = 64 * 1024  # an assertion, a badge class or an issuer profile is a few KiB
ACCEPT = {"Accept": "application/ld+json, application/json"}
# A JWS in compact form: three base64url parts (the payload and signature may not be empty).
_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class BadgeCheckFailed(Exception):
    """One check could not be made or did not pass: `kind` for machines, `title` and `detail` in words."""

    def __init__(self, kind: str, title: str, detail: str):
        super().__init__(detail)
        self.kind, self.title, self.detail = kind, title, detail


def ob2_is_signed(document) -> bool:
    """A signed 2.0 badge: a JWS baked as text, or an assertion declaring SignedBadge verification."""
    if isinstance(document, str):
        return bool(_JWS.fullmatch(document.strip()))
    verification = document.get("verification") if isinstance(document, dict) else None
    return isinstance(verification, dict) and verification.get("type") in ("SignedBadge", "signed")


def ob2_hosted_verify(report, *, document, recipient_email: str = "") -> None:
    """Fill `report` (a VerificationReport) for a baked badge another site issued: its assertion's JSON or URL, or a JWS."""
    try:
        if isinstance(document, str) and ob2_is_signed(document):
            _signed_verify(report, token=document.strip(), recipient_email=recipient_email)
        elif ob2_is_signed(document):
            raise BadgeCheckFailed("no_proof", _("The credential carries no proof naming its key"),
                                   _("The assertion says it is signed, but the PNG carries it without its signature."))
        else:
            _hosted_verify(report, document=document, recipient_email=recipient_email)
    except BadgeCheckFailed as failed:
        report.problem(failed.kind, failed.title, failed.detail)
    report.verified = not report.errors


def _hosted_verify(report, *, document, recipient_email: str) -> None:
    report.checks.append("hostedAssertion")
    url = document if isinstance(document, str) else document.get("id")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise BadgeCheckFailed("unknown_assertion", _("The badge names no address to check it at"),
                               _("The PNG's Open Badges 2.0 assertion has no https:// id, so its issuer's site cannot "
                                 "confirm it."))
    report.credential_id = url
    status, assertion = _fetch(url, what=_("the assertion"), expected=("Assertion",), gone_ok=True)
    report.facts.update({"laurel": False, "hosted_at": urlsplit(url).netloc})
    if status == 410 or assertion.get("revoked") is True:
        baked = document if isinstance(document, dict) else {}
        _revoked_badge_named(report, assertion_id=url, assertion={**baked, **assertion, "badge": assertion.get("badge")
                                                                  or baked.get("badge")})
        _revoked(report, reason=assertion.get("revocationReason"))
        return
    _same_assertion_check(url=url, hosted=assertion, baked=document if isinstance(document, dict) else None)
    issuer = _badge_and_issuer(report, assertion=assertion)
    report.facts["genuine"] = True
    _scope_check(assertion_id=url, issuer=issuer)
    _recipient_and_dates_check(report, assertion=assertion, recipient_email=recipient_email)


def _signed_verify(report, *, token: str, recipient_email: str) -> None:
    report.checks.append("proof")
    unreadable = BadgeCheckFailed("invalid_signature", _("The signature does not verify"),
                                  _("The badge's signature could not be read: it is not a JSON Web Signature of an "
                                    "Open Badges assertion."))
    try:
        assertion = json_request_parse(jwt.api_jws.decode_complete(token, options={"verify_signature": False})["payload"])
    except (jwt.PyJWTError, BodyRefused):
        raise unreadable from None
    if not isinstance(assertion, dict) or "Assertion" not in _as_list(assertion.get("type")):
        raise unreadable
    report.credential_id = str(assertion.get("id") or "") or None
    report.facts["laurel"] = False
    issuer = _badge_and_issuer(report, assertion=assertion)
    verification = assertion.get("verification") if isinstance(assertion.get("verification"), dict) else {}
    listed = _listed(issuer.get("publicKey")) + [item.get("id") for item in _as_list(issuer.get("publicKey"))
                                                 if isinstance(item, dict) and isinstance(item.get("id"), str)]
    key_url = verification.get("creator") if isinstance(verification.get("creator"), str) else (listed or [""])[0]
    key = _linked(key_url, what=_("the issuer's key"), expected=("CryptographicKey",))
    if key.get("owner") != issuer.get("id") or key.get("id") not in listed:
        raise BadgeCheckFailed("issuer_key_unavailable", _("The issuer's key could not be found"),
                               _("The key %(key)s is not one its issuer %(issuer)s lists as its own.")
                               % {"key": key_url, "issuer": issuer.get("id")})
    try:
        public_key = load_pem_public_key(str(key.get("publicKeyPem") or "").encode())
        if not isinstance(public_key, RSAPublicKey):
            raise TypeError("not an RSA key")
        jwt.api_jws.decode(token, key=public_key, algorithms=["RS256"])
    except (ValueError, TypeError, UnsupportedAlgorithm, jwt.PyJWTError):
        raise BadgeCheckFailed("invalid_signature", _("The signature does not verify"),
                               _("The badge's signature does not verify with its issuer's key %(key)s.")
                               % {"key": key_url}) from None
    report.facts.update({"genuine": True, "key_source": key_url})
    report.checks.append("credentialStatus")
    if isinstance(issuer.get("revocationList"), str):
        listing = _fetch(issuer["revocationList"], what=_("the issuer's revocation list"), expected=("RevocationList",))[1]
        for entry in _as_list(listing.get("revokedAssertions")):
            revoked_id = entry.get("id") if isinstance(entry, dict) else entry
            if revoked_id and revoked_id in (assertion.get("id"), assertion.get("uid")):
                _revoked(report, reason=entry.get("revocationReason") if isinstance(entry, dict) else "")
                return
    _recipient_and_dates_check(report, assertion=assertion, recipient_email=recipient_email)


def _badge_and_issuer(report, *, assertion: dict) -> dict:
    """The assertion's BadgeClass and Issuer fetched, and what the page shows of them; returns the issuer profile."""
    issuer, facts = _badge_and_issuer_facts(assertion)
    report.facts.update(facts)
    return issuer


def _badge_and_issuer_facts(assertion: dict) -> tuple[dict, dict]:
    badge = _linked(assertion.get("badge"), what=_("the badge class"), expected=("BadgeClass",))
    issuer = _linked(badge.get("issuer"), what=_("the issuer's profile"), expected=("Issuer", "Profile"))
    return issuer, {
        "issuer_name": str(issuer.get("name") or ""), "issuer_id": str(issuer.get("id") or ""),
        "achievement_name": str(badge.get("name") or ""),
        "valid_from": _date(assertion.get("issuedOn")), "valid_until": _date(assertion.get("expires")),
    }


def _revoked_badge_named(report, *, assertion_id: str, assertion: dict) -> None:
    """What a revoked badge was and who issued it, for the page, when its badge class and issuer can still be fetched
    and the issuer's policy covers the assertion's address; else nothing more than "revoked" is said."""
    try:
        issuer, facts = _badge_and_issuer_facts(assertion)
        _scope_check(assertion_id=assertion_id, issuer=issuer)
    except BadgeCheckFailed:
        return
    report.facts.update(facts)


def _revoked(report, *, reason) -> None:
    report.status = "revoked"
    report.facts["status_reason"] = str(reason or "")
    report.problem("revoked", _("Revoked"), report.facts["status_reason"])


def _recipient_and_dates_check(report, *, assertion: dict, recipient_email: str) -> None:
    report.checks.append("recipient")
    if recipient_email:
        recipient = assertion.get("recipient") if isinstance(assertion.get("recipient"), dict) else {}
        if not ob2_recipient_matches(recipient=recipient, email=recipient_email):
            raise BadgeCheckFailed("recipient_mismatch", _("Not issued to this email address"),
                                   _("The badge's recipient is not %(email)s.") % {"email": recipient_email})
        report.facts["subject_name"] = recipient_email.strip()
    report.checks.append("expiration")
    valid_until = report.facts["valid_until"]
    if valid_until and valid_until <= timezone.now():
        report.status = "expired"
        report.problem("expired", _("Expired"), _("It was valid until %(date)s.") % {"date": valid_until.isoformat()})
        return
    report.status = "valid"


def _fetch(url: str, *, what: str, expected: tuple[str, ...], gone_ok: bool = False) -> tuple[int, dict]:
    """(HTTP status, the Open Badges document at `url`); BadgeCheckFailed naming what went wrong, in words."""
    values = {"what": what, "url": url, "host": urlsplit(url).netloc or url}
    seconds = settings.LAUREL_VERIFY_FETCH_TIMEOUT
    try:
        response = guarded_request("GET", url, headers=ACCEPT, follow_redirects=True, connect_timeout=seconds,
                                   read_timeout=seconds, total_timeout=seconds, max_bytes=DOCUMENT_MAX_BYTES)
    except TargetRefused:
        raise BadgeCheckFailed("host_not_allowed", _("The issuer's site may not be fetched"),
                               _("Laurel fetches only https:// addresses on the public internet; %(url)s (%(what)s) is not "
                                 "one.") % values) from None
    except ResponseTooLarge:
        raise BadgeCheckFailed("answer_too_large", _("The issuer's site answered too much"),
                               _("%(host)s answered more than %(size)s KiB for %(what)s (%(url)s); an Open Badges document "
                                 "is far smaller.") % {**values, "size": DOCUMENT_MAX_BYTES // 1024}) from None
    except OutcomeUnknown:
        raise BadgeCheckFailed("host_timeout", _("The issuer's site did not answer"),
                               _("%(host)s did not answer in full within %(seconds)s seconds for %(what)s (%(url)s); "
                                 "try again later.") % {**values, "seconds": seconds}) from None
    except OutboundRequestError:
        raise BadgeCheckFailed("host_unreachable", _("The issuer's site could not be reached"),
                               _("Nothing answered at %(host)s for %(what)s (%(url)s): the site is down, or the address "
                                 "is wrong.") % values) from None
    if response.status == 410 and gone_ok:
        return 410, _json_or_empty(response.body)
    if response.status != 200:
        raise BadgeCheckFailed("host_error", _("The issuer's site does not confirm it"),
                               _("%(url)s answered HTTP %(status)s for %(what)s.") % {**values, "status": response.status})
    try:
        document = json_request_parse(response.body)
    except BodyRefused:
        document = None
    if not isinstance(document, dict):
        raise BadgeCheckFailed("answer_not_json", _("The issuer's site did not answer an Open Badges document"),
                               _("%(url)s did not answer JSON for %(what)s.") % values)
    types = document.get("type") if isinstance(document.get("type"), list) else [document.get("type")]
    if not set(types) & set(expected):
        raise BadgeCheckFailed("not_open_badges", _("The issuer's site did not answer an Open Badges document"),
                               _("%(url)s answered a document of type %(type)s for %(what)s.")
                               % {**values, "type": repr(document.get("type"))[:100]})
    return response.status, document


def _json_or_empty(body: bytes) -> dict:
    try:
        document = json_request_parse(body)
    except BodyRefused:
        return {}
    return document if isinstance(document, dict) else {}


def _linked(value, *, what: str, expected: tuple[str, ...]) -> dict:
    """A BadgeClass or Issuer: fetched at its URL, or (when embedded) fetched at its `id` all the same."""
    url = value.get("id") if isinstance(value, dict) else value
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise BadgeCheckFailed("not_open_badges", _("The issuer's site did not answer an Open Badges document"),
                               _("The assertion names no address for %(what)s.") % {"what": what})
    return _fetch(url, what=what, expected=expected)[1]


def _same_assertion_check(*, url: str, hosted: dict, baked: dict | None) -> None:
    """The document at the id must call itself by that id, and say what the baked copy says."""
    changed = [] if hosted.get("id") == url else ["id"]
    if baked is not None:
        changed += [key for key in ("badge", "recipient", "issuedOn") if baked.get(key) != hosted.get(key)]
    if changed:
        raise BadgeCheckFailed("assertion_changed", _("The baked assertion differs from the hosted one"),
                               _("What differs from the assertion at %(url)s: %(fields)s.")
                               % {"url": url, "fields": ", ".join(changed)})


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _listed(value) -> list[str]:
    return [item for item in _as_list(value) if isinstance(item, str) and item]


def _scope_check(*, assertion_id: str, issuer: dict) -> None:
    """The issuer's verification policy (OB 2.0 VerificationObject): the assertion's host among `allowedOrigins`
    (by default the issuer id's host) and its id starting with one of `startsWith`, when given."""
    policy = issuer.get("verification") if isinstance(issuer.get("verification"), dict) else {}
    origins = _listed(policy.get("allowedOrigins")) or [urlsplit(str(issuer.get("id") or "")).netloc]
    prefixes = _listed(policy.get("startsWith"))
    host = urlsplit(assertion_id).netloc
    if host not in origins:
        raise BadgeCheckFailed("outside_issuer_scope", _("The badge is not hosted where its issuer says"),
                               _("The assertion is at %(host)s, but its issuer allows assertions only from %(allowed)s.")
                               % {"host": host, "allowed": ", ".join(origins)})
    if prefixes and not any(assertion_id.startswith(prefix) for prefix in prefixes):
        raise BadgeCheckFailed("outside_issuer_scope", _("The badge is not hosted where its issuer says"),
                               _("The assertion's address %(id)s does not start with %(allowed)s, as its issuer requires.")
                               % {"id": assertion_id, "allowed": ", ".join(prefixes)})


def _date(value) -> datetime | None:
    """An OB 2.0 DateTime: ISO 8601 with a zone, or a date (read as midnight UTC)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)):
            parsed = datetime.combine(day, time(), tzinfo=dt_timezone.utc)
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt_timezone.utc)
    return parsed
