"""An Open Badges 2.0 assertion another site hosts, checked as the 2.0 specification's hosted verification says.

The assertion is fetched at its `id`, then its BadgeClass and its Issuer, each through the outgoing-request
guard (5 s, 64 KiB). The hosted assertion must be the one baked; its `id` must be within the issuer's
verification policy (`allowedOrigins` and `startsWith`, else the issuer `id`'s host); it must be neither
revoked (410, or `revoked`) nor past `expires`; and when the verifier typed an email, its hashed recipient
must be that email. A signed 2.0 assertion (a JWS) from another host is not checked, and the answer says so.

Every sentence is the verify page's visitor's language (the API's: English), like the rest of the report.
"""

import re
from datetime import datetime, time, timezone as dt_timezone
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from ..bodies import BodyRefused, json_request_parse
from ..openbadges.ob2 import ob2_recipient_matches
from ..outgoing.guard import OutcomeUnknown, OutboundRequestError, ResponseTooLarge, TargetRefused, guarded_request

DOCUMENT_MAX_BYTES = 64 * 1024  # an assertion, a badge class or an issuer profile is a few KiB
TIMEOUT_SECONDS = 5
ACCEPT = {"Accept": "application/ld+json, application/json"}
# A JWS in compact form: three base64url parts (the payload and signature may not be empty).
_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


class HostedCheckFailed(Exception):
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
    """Fill `report` (a VerificationReport) for a baked assertion (its JSON, or its URL) another site hosts."""
    report.checks.append("hostedAssertion")
    if ob2_is_signed(document):
        report.problem("signed_not_checked", _("Signed 2.0 assertions from other hosts are not checked"),
                       _("This badge is a signed Open Badges 2.0 assertion. Laurel checks 2.0 badges only by fetching "
                         "them from the site that hosts them; ask the issuer to confirm it."))
        return
    url = document if isinstance(document, str) else document.get("id")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        report.problem("unknown_assertion", _("The badge names no address to check it at"),
                       _("The PNG's Open Badges 2.0 assertion has no https:// id, so its issuer's site cannot confirm it."))
        return
    report.credential_id = url
    try:
        _verify(report, url=url, baked=document if isinstance(document, dict) else None, recipient_email=recipient_email)
    except HostedCheckFailed as failed:
        report.problem(failed.kind, failed.title, failed.detail)
    report.verified = not report.errors


def _verify(report, *, url: str, baked: dict | None, recipient_email: str) -> None:
    status, assertion = _fetch(url, what=_("the assertion"), expected=("Assertion",), gone_ok=True)
    report.facts.update({"laurel": False, "hosted_at": urlsplit(url).netloc})
    if status == 410 or assertion.get("revoked") is True:
        report.status = "revoked"
        report.facts["status_reason"] = str(assertion.get("revocationReason") or "")
        report.problem("revoked", _("Revoked"), report.facts["status_reason"])
        return
    _same_assertion_check(url=url, hosted=assertion, baked=baked)
    badge = _linked(assertion.get("badge"), what=_("the badge class"), expected=("BadgeClass",))
    issuer = _linked(badge.get("issuer"), what=_("the issuer's profile"), expected=("Issuer", "Profile"))
    report.facts.update({
        "genuine": True, "issuer_name": str(issuer.get("name") or ""), "issuer_id": str(issuer.get("id") or ""),
        "achievement_name": str(badge.get("name") or ""),
        "valid_from": _date(assertion.get("issuedOn")), "valid_until": _date(assertion.get("expires")),
    })
    _scope_check(assertion_id=url, issuer=issuer)
    report.checks.append("recipient")
    if recipient_email:
        recipient = assertion.get("recipient") if isinstance(assertion.get("recipient"), dict) else {}
        if not ob2_recipient_matches(recipient=recipient, email=recipient_email):
            raise HostedCheckFailed("recipient_mismatch", _("Not issued to this email address"),
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
    """(HTTP status, the Open Badges document at `url`); HostedCheckFailed naming what went wrong, in words."""
    values = {"what": what, "url": url, "host": urlsplit(url).netloc or url}
    try:
        response = guarded_request("GET", url, headers=ACCEPT, follow_redirects=True, connect_timeout=TIMEOUT_SECONDS,
                                   read_timeout=TIMEOUT_SECONDS, max_bytes=DOCUMENT_MAX_BYTES)
    except TargetRefused:
        raise HostedCheckFailed("host_not_allowed", _("The issuer's site may not be fetched"),
                                _("Laurel fetches only https:// addresses on the public internet; %(url)s (%(what)s) is not "
                                  "one.") % values) from None
    except ResponseTooLarge:
        raise HostedCheckFailed("answer_too_large", _("The issuer's site answered too much"),
                                _("%(host)s answered more than %(size)s KiB for %(what)s (%(url)s); an Open Badges document "
                                  "is far smaller.") % {**values, "size": DOCUMENT_MAX_BYTES // 1024}) from None
    except OutcomeUnknown:
        raise HostedCheckFailed("host_timeout", _("The issuer's site did not answer"),
                                _("%(host)s did not answer in full within %(seconds)s seconds for %(what)s (%(url)s); "
                                  "try again later.") % {**values, "seconds": TIMEOUT_SECONDS}) from None
    except OutboundRequestError:
        raise HostedCheckFailed("host_unreachable", _("The issuer's site could not be reached"),
                                _("Nothing answered at %(host)s for %(what)s (%(url)s): the site is down, or the address "
                                  "is wrong.") % values) from None
    if response.status == 410 and gone_ok:
        return 410, _json_or_empty(response.body)
    if response.status != 200:
        raise HostedCheckFailed("host_error", _("The issuer's site does not confirm it"),
                                _("%(url)s answered HTTP %(status)s for %(what)s.") % {**values, "status": response.status})
    try:
        document = json_request_parse(response.body)
    except BodyRefused:
        document = None
    if not isinstance(document, dict):
        raise HostedCheckFailed("answer_not_json", _("The issuer's site did not answer an Open Badges document"),
                                _("%(url)s did not answer JSON for %(what)s.") % values)
    types = document.get("type") if isinstance(document.get("type"), list) else [document.get("type")]
    if not set(types) & set(expected):
        raise HostedCheckFailed("not_open_badges", _("The issuer's site did not answer an Open Badges document"),
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
        raise HostedCheckFailed("not_open_badges", _("The issuer's site did not answer an Open Badges document"),
                                _("The assertion names no address for %(what)s.") % {"what": what})
    return _fetch(url, what=what, expected=expected)[1]


def _same_assertion_check(*, url: str, hosted: dict, baked: dict | None) -> None:
    """The document at the id must call itself by that id, and say what the baked copy says."""
    changed = [] if hosted.get("id") == url else ["id"]
    if baked is not None:
        changed += [key for key in ("badge", "recipient", "issuedOn") if baked.get(key) != hosted.get(key)]
    if changed:
        raise HostedCheckFailed("assertion_changed", _("The baked assertion differs from the hosted one"),
                                _("What differs from the assertion at %(url)s: %(fields)s.")
                                % {"url": url, "fields": ", ".join(changed)})


def _listed(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, str) and item]


def _scope_check(*, assertion_id: str, issuer: dict) -> None:
    """The issuer's verification policy (OB 2.0 VerificationObject): the assertion's host among `allowedOrigins`
    (by default the issuer id's host) and its id starting with one of `startsWith`, when given."""
    policy = issuer.get("verification") if isinstance(issuer.get("verification"), dict) else {}
    origins = _listed(policy.get("allowedOrigins")) or [urlsplit(str(issuer.get("id") or "")).netloc]
    prefixes = _listed(policy.get("startsWith"))
    host = urlsplit(assertion_id).netloc
    if host not in origins:
        raise HostedCheckFailed("outside_issuer_scope", _("The badge is not hosted where its issuer says"),
                                _("The assertion is at %(host)s, but its issuer allows assertions only from %(allowed)s.")
                                % {"host": host, "allowed": ", ".join(origins)})
    if prefixes and not any(assertion_id.startswith(prefix) for prefix in prefixes):
        raise HostedCheckFailed("outside_issuer_scope", _("The badge is not hosted where its issuer says"),
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
