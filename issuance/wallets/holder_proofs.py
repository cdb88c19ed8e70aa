"""A wallet's proof that it holds its DID: a signed presentation (Data Integrity) or an OpenID4VCI jwt proof.

Presentations are checked with either Ed25519 suite: Ed25519Signature2020 (what the Learner Credential
Wallet signs its DIDAuth with) or eddsa-rdfc-2022 (the `di_vp` proof). Both sign
sha256(canonical proof options) + sha256(canonical document), as Laurel's own signatures do.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import base58
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from courses.keys.crypto import (MultikeyError, did_key_from_public_key, public_key_from_did_key,
                                 public_key_multibase_encode, signature_is_valid)

from ..openbadges.canonical import jsonld_safety_check
from ..openbadges.loader import ContextNotBundledError
from ..openbadges.sign import proof_hash_data

ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
JWT_PROOF_TYP = "openid4vci-proof+jwt"
# A jwt proof's `iat` may run this far ahead of our clock.
CLOCK_SKEW = timedelta(seconds=60)


class HolderProofError(ValueError):
    """The proof is missing, malformed, signed by another key, or does not verify; the message says which."""


@dataclass(frozen=True)
class HolderProof:
    holder_did: str
    challenge: str
    domain: str | None
    suite: str


def _suite_of(proof: dict) -> str:
    if proof.get("type") == ED25519_SIGNATURE_2020:
        return ED25519_SIGNATURE_2020
    if proof.get("type") == "DataIntegrityProof" and proof.get("cryptosuite") == EDDSA_RDFC_2022:
        return EDDSA_RDFC_2022
    return ""


def _did_key_of(method: str) -> tuple[str, Ed25519PublicKey]:
    """The did:key controlling `method` (did:key:z6Mk…#z6Mk…) and its public key."""
    if not isinstance(method, str) or not method.startswith("did:key:") or "#" not in method:
        raise HolderProofError(f"verificationMethod {method!r} is not a did:key key URL (did:key:z6Mk…#z6Mk…).")
    did, fragment = method.split("#", 1)
    try:
        public_key = public_key_from_did_key(did=did)
    except MultikeyError as exc:
        raise HolderProofError(f"verificationMethod {method!r}: {exc}") from exc
    if fragment != public_key_multibase_encode(public_key=public_key):
        raise HolderProofError(f"verificationMethod {method!r}: the fragment is not the did:key's own key.")
    return did, public_key


def _holder_id(presentation: dict) -> str | None:
    holder = presentation.get("holder")
    return holder.get("id") if isinstance(holder, dict) else holder


def presentation_verify(*, presentation, suites: tuple[str, ...]) -> HolderProof:
    """Check a presentation's authentication proof by its holder's did:key; raise HolderProofError if it fails.

    The caller compares the returned challenge and domain with the ones it issued.
    """
    if not isinstance(presentation, dict) or "VerifiablePresentation" not in (presentation.get("type") or []):
        raise HolderProofError("Expected a VerifiablePresentation (a JSON object with type VerifiablePresentation).")
    proofs = presentation.get("proof")
    proofs = [proofs] if isinstance(proofs, dict) else proofs
    if not isinstance(proofs, list) or not proofs:
        raise HolderProofError("The presentation carries no proof.")
    usable = [proof for proof in proofs if isinstance(proof, dict) and _suite_of(proof) in suites]
    if not usable:
        raise HolderProofError(f"No proof of the presentation uses an accepted suite ({', '.join(suites)}).")
    proof = usable[0]
    if proof.get("proofPurpose") != "authentication":
        raise HolderProofError(f"proofPurpose is {proof.get('proofPurpose')!r}, expected 'authentication'.")
    holder_did, public_key = _did_key_of(proof.get("verificationMethod"))
    holder = _holder_id(presentation)
    if holder is not None and holder != holder_did:
        raise HolderProofError(f"The presentation's holder {holder!r} is not the DID that signed it ({holder_did}).")
    challenge, domain = proof.get("challenge"), proof.get("domain")
    if not isinstance(challenge, str) or not challenge:
        raise HolderProofError("The proof has no challenge.")
    if domain is not None and not isinstance(domain, str):
        raise HolderProofError("The proof's domain must be a string.")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise HolderProofError("proofValue is missing or not multibase base58btc ('z' prefix).")
    try:
        signature = base58.b58decode(value[1:])
        # The challenge and domain must be terms the contexts define, or the signature would not cover them.
        jsonld_safety_check({"@context": presentation.get("@context"), **{k: v for k, v in proof.items()
                                                                        if k != "proofValue"}})
        data = proof_hash_data(document=presentation, proof_options=proof)
    except ValueError as exc:  # base58, canonicalization and unsafe JSON-LD errors are all ValueErrors
        raise HolderProofError(f"The presentation cannot be checked: {exc}") from exc
    except ContextNotBundledError as exc:
        raise HolderProofError(str(exc)) from exc
    if len(signature) != 64 or not signature_is_valid(public_key=public_key, signature=signature, data=data):
        raise HolderProofError(f"The presentation's signature does not verify with the key of {holder_did}.")
    return HolderProof(holder_did=holder_did, challenge=challenge, domain=domain, suite=_suite_of(proof))


def _jwt_key(header: dict) -> tuple[str, Ed25519PublicKey]:
    if "kid" in header and "jwk" in header:
        raise HolderProofError("The jwt proof's header names both kid and jwk; it must name one.")
    if "kid" in header:
        return _did_key_of(header["kid"])
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise HolderProofError("The jwt proof's header names neither a did:key kid nor a jwk.")
    if "d" in jwk:
        raise HolderProofError("The jwt proof's jwk contains a private key.")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise HolderProofError(f"The jwt proof's jwk must be an Ed25519 OKP key; got kty={jwk.get('kty')!r}, "
                               f"crv={jwk.get('crv')!r}.")
    try:
        public_key = jwt.PyJWK(jwk, algorithm="EdDSA").key
    except jwt.PyJWTError as exc:
        raise HolderProofError(f"The jwt proof's jwk is not a usable key: {exc}") from exc
    return did_key_from_public_key(public_key=public_key), public_key


def jwt_proof_verify(*, token, audience: str) -> tuple[str, str]:
    """Check an OpenID4VCI `jwt` proof (EdDSA); returns (holder DID, nonce). The caller checks the nonce."""
    if not isinstance(token, str):
        raise HolderProofError("The jwt proof must be a compact JWS string.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise HolderProofError(f"The jwt proof is not a JWS: {exc}") from exc
    if header.get("typ") != JWT_PROOF_TYP:
        raise HolderProofError(f"The jwt proof's typ is {header.get('typ')!r}, expected {JWT_PROOF_TYP!r}.")
    if header.get("alg") != "EdDSA":
        raise HolderProofError(f"The jwt proof's alg is {header.get('alg')!r}; this issuer accepts EdDSA.")
    holder_did, public_key = _jwt_key(header)
    try:
        claims = jwt.decode(token, key=public_key, algorithms=["EdDSA"], audience=audience,
                            options={"require": ["aud", "iat"], "verify_iat": False})
    except jwt.InvalidAudienceError as exc:
        raise HolderProofError(f"The jwt proof's aud is not this credential issuer ({audience}).") from exc
    except jwt.InvalidSignatureError as exc:
        raise HolderProofError(f"The jwt proof's signature does not verify with the key of {holder_did}.") from exc
    except jwt.PyJWTError as exc:
        raise HolderProofError(f"The jwt proof was refused: {exc}") from exc
    issued = claims["iat"]
    if not isinstance(issued, int | float) or datetime.fromtimestamp(issued, timezone.utc) > datetime.now(
            timezone.utc) + CLOCK_SKEW:
        raise HolderProofError("The jwt proof's iat is not a time in the past.")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise HolderProofError("The jwt proof carries no nonce (get one from the nonce endpoint).")
    return holder_did, nonce
