"""The Learner Credential Wallet's way in: a VC-API exchange asking for DIDAuthentication, then the credential.

Two entrances to one exchange URL:
- the DCC deep link: the wallet POSTs a presentation signed with the link's challenge (no domain)
  and gets the credential back as is;
- the VC-API exchange (the VCALM interaction URL, or `{}` posted to the exchange): Laurel answers a
  Verifiable Presentation Request with a fresh challenge and its domain; the wallet POSTs
  `{"verifiablePresentation": …}` and gets the credential inside a presentation.
"""

import hmac

from django.conf import settings

from courses.access.secret_digest import secret_hash

from ..models import WalletOffer, WalletSecret
from .addresses import exchange_domain, lcw_exchange_url
from .holder_proofs import ED25519_SIGNATURE_2020, EDDSA_RDFC_2022, HolderProofError, presentation_verify
from .offers import (OfferRefused, offer_attempt_failed, offer_usable_check, one_time_value_find, one_time_value_issue,
                     one_time_value_use, wallet_offer_by_code, wallet_offer_claim)

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
# LCW signs DIDAuth with Ed25519Signature2020; a wallet that speaks eddsa-rdfc-2022 is welcome too.
ACCEPTED_SUITES = (ED25519_SIGNATURE_2020, EDDSA_RDFC_2022)


def lcw_interaction(*, code: str) -> dict:
    """What the VCALM interaction URL answers: the protocols this offer speaks."""
    offer = wallet_offer_by_code(protocol=WalletOffer.Protocol.LCW, code=code)
    offer_usable_check(offer)
    return {"protocols": {"vcapi": lcw_exchange_url(code=code)}}


def _presentation_request(*, offer: WalletOffer, code: str) -> dict:
    domain = exchange_domain()
    challenge = one_time_value_issue(kind=WalletSecret.Kind.CHALLENGE, offer=offer, domain=domain,
                                     seconds=settings.LAUREL_WALLET_CHALLENGE_SECONDS)
    return {"verifiablePresentationRequest": {
        "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}],
                   "acceptedCryptosuites": [{"cryptosuite": suite} for suite in ACCEPTED_SUITES]}],
        "challenge": challenge,
        "domain": domain,
        "interact": {"service": [{"type": "UnmediatedHttpPresentationService2021",
                                  "serviceEndpoint": lcw_exchange_url(code=code)}]},
    }}


def _refuse(offer: WalletOffer, message: str):
    offer_attempt_failed(offer)
    raise OfferRefused(message, code="invalid_proof", status=401)


def _checked_holder(*, offer: WalletOffer, presentation) -> tuple[str, bool]:
    """(holder DID, whether it came by the deep link) once the proof, challenge and domain check out."""
    try:
        proof = presentation_verify(presentation=presentation, suites=ACCEPTED_SUITES)
    except HolderProofError as exc:
        _refuse(offer, f"Invalid DIDAuth: {exc}")
    if offer.challenge_hash and hmac.compare_digest(offer.challenge_hash, secret_hash(proof.challenge)):
        # The deep link carries its challenge and no domain; a domain, if the wallet adds one, must be ours.
        if proof.domain not in (None, exchange_domain()):
            _refuse(offer, f"Invalid DIDAuth: the proof's domain {proof.domain!r} is not {exchange_domain()!r}.")
        return proof.holder_did, True
    issued = one_time_value_find(kind=WalletSecret.Kind.CHALLENGE, value=proof.challenge, offer=offer)
    if issued is None:
        _refuse(offer, "Invalid DIDAuth: the proof's challenge is not one this exchange issued, or it was used "
                       "or has expired.")
    if proof.domain != issued.domain:
        _refuse(offer, f"Invalid DIDAuth: the proof's domain {proof.domain!r} is not {issued.domain!r}.")
    if not one_time_value_use(issued):
        _refuse(offer, "Invalid DIDAuth: the challenge was already used.")
    return proof.holder_did, False


def lcw_exchange(*, code: str, body) -> dict:
    """One step of the exchange: a presentation request for an empty body, the credential for a presentation."""
    offer = wallet_offer_by_code(protocol=WalletOffer.Protocol.LCW, code=code)
    offer_usable_check(offer)
    if not isinstance(body, dict):
        raise OfferRefused("The request body must be a JSON object.")
    if "verifiablePresentation" in body:
        presentation = body["verifiablePresentation"]
    elif "VerifiablePresentation" in (body.get("type") or []):
        presentation = body
    elif not body or set(body) <= {"@context"}:
        return _presentation_request(offer=offer, code=code)
    else:
        raise OfferRefused("Expected {} to start the exchange, or a verifiablePresentation answering its request; "
                           f"got an object with {sorted(body)[:8]}.")
    holder_did, by_deep_link = _checked_holder(offer=offer, presentation=presentation)
    credential = wallet_offer_claim(offer=offer, holder_did=holder_did)
    if by_deep_link:
        return credential
    return {"verifiablePresentation": {"@context": [CREDENTIALS_V2], "type": ["VerifiablePresentation"],
                                       "verifiableCredential": [credential]}}
