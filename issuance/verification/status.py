"""Another issuer's status now: its Bitstring Status List credential fetched through the guard, its proof checked, one bit read."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext_noop as _

from ..bodies import BodyRefused, json_request_parse
from ..openbadges.bitstring import StatusListError, bitstring_is_set
from ..openbadges.sign import credential_verify
from ..outgoing.guard import OutboundRequestError, guarded_request
from ..sentences import Sentence
from .issuers import IssuerKeyUnavailable, issuer_public_key

LIST_MAX_BYTES = 256 * 1024  # a list credential: the bounded JSON parse's limit
BITS_MAX_BYTES = 2 * 1024 * 1024  # 16 million entries; the spec's minimum list is 16 KiB
MAX_ENTRIES = 4


class StatusUnavailable(Exception):
    """The status could not be read: `detail` says why, in English; `said` is the sentence with its values,
    for the verify page to say in its visitor's language."""

    def __init__(self, message: str, params: dict | None = None):
        self.said = Sentence(message, params or {})
        self.detail = str(self.said)
        super().__init__(self.detail)


def other_issuer_status(*, credential: dict, issuer_id: str, keys: dict[str, Ed25519PublicKey]) -> str:
    """valid, revoked or suspended from the credential's status entries; StatusUnavailable when one cannot be read.

    `keys` maps verification methods already resolved to their keys, so the issuer's DID document is
    fetched once when the list is signed by the badge's key.
    """
    entries = credential.get("credentialStatus")
    entries = entries if isinstance(entries, list) else [entries]
    if len(entries) > MAX_ENTRIES:
        raise StatusUnavailable(_("The credential names %(count)s status entries; at most %(limit)s are read."),
                                {"count": len(entries), "limit": MAX_ENTRIES})
    found = "valid"
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            raise StatusUnavailable(_("Only BitstringStatusListEntry status entries are read."))
        purpose, url = entry.get("statusPurpose"), entry.get("statusListCredential")
        try:
            index = int(entry.get("statusListIndex"))
        except (TypeError, ValueError):
            raise StatusUnavailable(_("statusListIndex %(index)s is not a number."),
                                    {"index": repr(entry.get("statusListIndex"))}) from None
        if purpose not in ("revocation", "suspension") or not isinstance(url, str):
            raise StatusUnavailable(_("A status entry needs statusPurpose revocation or suspension and a statusListCredential."))
        if _bit(url=url, index=index, purpose=purpose, issuer_id=issuer_id, keys=keys):
            found = "revoked" if purpose == "revocation" else "suspended"
            if found == "revoked":
                return found
    return found


def _bit(*, url: str, index: int, purpose: str, issuer_id: str, keys: dict) -> bool:
    try:
        response = guarded_request("GET", url, headers={"Accept": "application/vc+ld+json, application/json"},
                                   connect_timeout=settings.LAUREL_VERIFY_FETCH_TIMEOUT,
                                   read_timeout=settings.LAUREL_VERIFY_FETCH_TIMEOUT,
                                   total_timeout=settings.LAUREL_VERIFY_FETCH_TIMEOUT, max_bytes=LIST_MAX_BYTES)
    except OutboundRequestError as exc:
        raise StatusUnavailable(_("The status list %(url)s could not be fetched: %(reason)s"),
                                {"url": url, "reason": str(exc)}) from None
    if response.status != 200:
        raise StatusUnavailable(_("The status list %(url)s answered HTTP %(status)s."), {"url": url, "status": response.status})
    try:
        listing = json_request_parse(response.body)
    except BodyRefused as refused:
        raise StatusUnavailable(_("The status list %(url)s is not usable JSON: %(reason)s"),
                                {"url": url, "reason": refused.detail}) from None
    if not isinstance(listing, dict):
        raise StatusUnavailable(_("The status list %(url)s is not a credential."), {"url": url})
    issuer = listing.get("issuer")
    if (issuer.get("id") if isinstance(issuer, dict) else issuer) != issuer_id:
        raise StatusUnavailable(_("The status list %(url)s was not issued by %(issuer)s."), {"url": url, "issuer": issuer_id})
    _proof_check(listing, url=url, keys=keys)
    subject = listing.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
        raise StatusUnavailable(_("The status list %(url)s is not a %(purpose)s list."), {"url": url, "purpose": purpose})
    try:
        return bitstring_is_set(encoded_list=str(subject.get("encodedList", "")), index=index, max_bytes=BITS_MAX_BYTES)
    except StatusListError as exc:
        raise StatusUnavailable(_("The status list %(url)s: %(reason)s"), {"url": url, "reason": exc.said}) from None


def _proof_check(listing: dict, *, url: str, keys: dict) -> None:
    proofs = listing.get("proof")
    proof = (proofs[0] if proofs else {}) if isinstance(proofs, list) else proofs
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    if not isinstance(method, str):
        raise StatusUnavailable(_("The status list %(url)s carries no proof."), {"url": url})
    if method not in keys:
        try:
            keys[method] = issuer_public_key(verification_method=method)[0]
        except IssuerKeyUnavailable as exc:
            raise StatusUnavailable(_("The status list's key: %(reason)s"), {"reason": exc.said}) from None
    result = credential_verify(credential=listing, public_key=keys[method])
    if not result.verified:
        raise StatusUnavailable(_("The status list %(url)s does not verify: %(reason)s."),
                                {"url": url, "reason": result.said or result.reason})
