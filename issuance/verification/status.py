"""Another issuer's status now: its Bitstring Status List credential fetched through the guard, its proof checked, one bit read."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..bodies import BodyRefused, json_request_parse
from ..openbadges.bitstring import StatusListError, bitstring_is_set
from ..openbadges.sign import credential_verify
from ..outgoing.guard import OutboundRequestError, guarded_request
from .issuers import IssuerKeyUnavailable, issuer_public_key

LIST_MAX_BYTES = 256 * 1024  # a list credential: the bounded JSON parse's limit
BITS_MAX_BYTES = 2 * 1024 * 1024  # 16 million entries; the spec's minimum list is 16 KiB
MAX_ENTRIES = 4
TIMEOUT_SECONDS = 5


class StatusUnavailable(Exception):
    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def other_issuer_status(*, credential: dict, issuer_id: str, keys: dict[str, Ed25519PublicKey]) -> str:
    """valid, revoked or suspended from the credential's status entries; StatusUnavailable when one cannot be read.

    `keys` maps verification methods already resolved to their keys, so the issuer's DID document is
    fetched once when the list is signed by the badge's key.
    """
    entries = credential.get("credentialStatus")
    entries = entries if isinstance(entries, list) else [entries]
    if len(entries) > MAX_ENTRIES:
        raise StatusUnavailable(f"The credential names {len(entries)} status entries; at most {MAX_ENTRIES} are read.")
    found = "valid"
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            raise StatusUnavailable("Only BitstringStatusListEntry status entries are read.")
        purpose, url = entry.get("statusPurpose"), entry.get("statusListCredential")
        try:
            index = int(entry.get("statusListIndex"))
        except (TypeError, ValueError):
            raise StatusUnavailable(f"statusListIndex {entry.get('statusListIndex')!r} is not a number.") from None
        if purpose not in ("revocation", "suspension") or not isinstance(url, str):
            raise StatusUnavailable("A status entry needs statusPurpose revocation or suspension and a statusListCredential.")
        if _bit(url=url, index=index, purpose=purpose, issuer_id=issuer_id, keys=keys):
            found = "revoked" if purpose == "revocation" else "suspended"
            if found == "revoked":
                return found
    return found


def _bit(*, url: str, index: int, purpose: str, issuer_id: str, keys: dict) -> bool:
    try:
        response = guarded_request("GET", url, headers={"Accept": "application/vc+ld+json, application/json"},
                                   connect_timeout=TIMEOUT_SECONDS, read_timeout=TIMEOUT_SECONDS, max_bytes=LIST_MAX_BYTES)
    except OutboundRequestError as exc:
        raise StatusUnavailable(f"The status list {url} could not be fetched: {exc}") from None
    if response.status != 200:
        raise StatusUnavailable(f"The status list {url} answered HTTP {response.status}.")
    try:
        listing = json_request_parse(response.body)
    except BodyRefused as refused:
        raise StatusUnavailable(f"The status list {url} is not usable JSON: {refused.detail}") from None
    if not isinstance(listing, dict):
        raise StatusUnavailable(f"The status list {url} is not a credential.")
    issuer = listing.get("issuer")
    if (issuer.get("id") if isinstance(issuer, dict) else issuer) != issuer_id:
        raise StatusUnavailable(f"The status list {url} was not issued by {issuer_id}.")
    _proof_check(listing, url=url, keys=keys)
    subject = listing.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
        raise StatusUnavailable(f"The status list {url} is not a {purpose} list.")
    try:
        return bitstring_is_set(encoded_list=str(subject.get("encodedList", "")), index=index, max_bytes=BITS_MAX_BYTES)
    except StatusListError as exc:
        raise StatusUnavailable(f"The status list {url}: {exc}") from None


def _proof_check(listing: dict, *, url: str, keys: dict) -> None:
    proofs = listing.get("proof")
    proof = (proofs[0] if proofs else {}) if isinstance(proofs, list) else proofs
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    if not isinstance(method, str):
        raise StatusUnavailable(f"The status list {url} carries no proof.")
    if method not in keys:
        try:
            keys[method] = issuer_public_key(verification_method=method)[0]
        except IssuerKeyUnavailable as exc:
            raise StatusUnavailable(f"The status list's key: {exc.detail}") from None
    result = credential_verify(credential=listing, public_key=keys[method])
    if not result.verified:
        raise StatusUnavailable(f"The status list {url} does not verify: {result.reason}.")
