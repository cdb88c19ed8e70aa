"""Another issuer's public key, for a credential this Laurel did not issue: did:key read, did:web fetched.

A did:web document is fetched through the outgoing-request guard (https only, no private
addresses, timeouts, a bounded answer), so a presented file cannot make Laurel call inside its network.
"""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext_noop as _

from courses.keys.crypto import MultikeyError, public_key_from_did_key, public_key_multibase_decode

from ..bodies import BodyRefused, json_request_parse
from ..openbadges.did import DidError, did_web_document_url
from ..outgoing.guard import OutboundRequestError, guarded_request
from ..sentences import Sentence

DID_DOCUMENT_MAX_BYTES = 64 * 1024
# Where a did:key issuer's key comes from (a did:web one's is its document's address), as the API says it.
DID_KEY_SOURCE = "the did:key identifier itself"


class IssuerKeyUnavailable(Exception):
    """The key a proof names could not be found: `detail` says why, in English; `said` is the sentence with its
    values, for the verify page to say in its visitor's language."""

    def __init__(self, message: str, params: dict | None = None):
        self.said = Sentence(message, params or {})
        self.detail = str(self.said)
        super().__init__(self.detail)


def issuer_public_key(*, verification_method: str) -> tuple[Ed25519PublicKey, str]:
    """(the key, where it came from) for a did:key or did:web verification method."""
    did = verification_method.split("#", 1)[0]
    if did.startswith("did:key:"):
        try:
            return public_key_from_did_key(did=did), DID_KEY_SOURCE
        except MultikeyError as exc:
            raise IssuerKeyUnavailable(exc.message, exc.params) from None  # the identifier's own fault, as decoding it says
    if did.startswith("did:web:"):
        return _did_web_key(did=did, verification_method=verification_method)
    raise IssuerKeyUnavailable(_("The issuer %(did)s is neither did:web nor did:key; Laurel resolves only those."),
                               {"did": repr(did)})


def _did_web_key(*, did: str, verification_method: str) -> tuple[Ed25519PublicKey, str]:
    try:
        url = did_web_document_url(did=did)
    except DidError as exc:
        raise IssuerKeyUnavailable(str(exc)) from None
    try:
        response = guarded_request("GET", url, headers={"Accept": "application/did+ld+json, application/json"},
                                   connect_timeout=settings.LAUREL_VERIFY_FETCH_TIMEOUT,
                                   read_timeout=settings.LAUREL_VERIFY_FETCH_TIMEOUT,
                                   total_timeout=settings.LAUREL_VERIFY_FETCH_TIMEOUT, max_bytes=DID_DOCUMENT_MAX_BYTES)
    except OutboundRequestError as exc:
        raise IssuerKeyUnavailable(_("The issuer's DID document at %(url)s could not be fetched: %(reason)s"),
                                   {"url": url, "reason": str(exc)}) from None
    if response.status != 200:
        raise IssuerKeyUnavailable(_("The issuer's DID document at %(url)s answered HTTP %(status)s."),
                                   {"url": url, "status": response.status})
    try:
        document = json_request_parse(response.body)
    except BodyRefused as refused:
        raise IssuerKeyUnavailable(_("The issuer's DID document at %(url)s is not usable JSON: %(reason)s"),
                                   {"url": url, "reason": refused.detail}) from None
    method = _method(document, did=did, verification_method=verification_method)
    if method is None:
        raise IssuerKeyUnavailable(_("The issuer's DID document at %(url)s lists no assertion key %(method)s."),
                                   {"url": url, "method": verification_method})
    try:
        return public_key_multibase_decode(value=str(method.get("publicKeyMultibase", ""))), url
    except MultikeyError as exc:
        raise IssuerKeyUnavailable(_("%(method)s in %(url)s: %(reason)s"),
                                   {"method": verification_method, "url": url,
                                    "reason": Sentence(exc.message, exc.params)}) from None


def _method(document, *, did: str, verification_method: str) -> dict | None:
    """The verification method, if the document is the issuer's and lists it for assertions."""
    if not isinstance(document, dict) or document.get("id") != did:
        return None
    fragment = "#" + verification_method.split("#", 1)[-1]

    def named(value) -> bool:
        return value in (verification_method, fragment)

    assertion = document.get("assertionMethod")
    assertion = assertion if isinstance(assertion, list) else []
    embedded = [item for item in assertion if isinstance(item, dict) and named(item.get("id"))]
    if embedded:
        return embedded[0]
    if not any(isinstance(item, str) and named(item) for item in assertion):
        return None
    methods = document.get("verificationMethod")
    for item in methods if isinstance(methods, list) else []:
        if isinstance(item, dict) and named(item.get("id")):
            return item
    return None
