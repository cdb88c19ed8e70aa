"""A wallet holder written from the specs, for the tests: a did:key, its signed presentations and jwt proofs.

It shares no code with Laurel's issuer side: its own canonicalization (pyld, URDNA2015) over the
JSON-LD context files, its own Ed25519 signing (cryptography) and multibase (base58), PyJWT for
the OpenID4VCI jwt proof. References: did:key (W3C CCG), VC Data Integrity and EdDSA cryptosuites,
Ed25519Signature2020, OpenID4VCI 1.0 Appendix F (proof types).
"""

import hashlib
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import base58
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld

CONTEXT_FILES = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-signature-2020-v1.jsonld",
}
CONTEXTS = Path(__file__).resolve().parents[2] / "issuance" / "openbadges" / "contexts"


def _loader(url, options=None):
    if url not in CONTEXT_FILES:
        raise jsonld.JsonLdError(f"holder has no context {url}", "loading document failed")
    return {"contextUrl": None, "documentUrl": url,
            "document": json.loads((CONTEXTS / CONTEXT_FILES[url]).read_text())}


def _canonical(document: dict) -> bytes:
    return jsonld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                       "documentLoader": _loader}).encode()


class Holder:
    """A wallet with one Ed25519 key, known by its did:key."""

    def __init__(self):
        self.private_key = Ed25519PrivateKey.generate()
        raw = self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.multibase = "z" + base58.b58encode(b"\xed\x01" + raw).decode()
        self.did = f"did:key:{self.multibase}"
        self.key_id = f"{self.did}#{self.multibase}"
        self.public_jwk = {"kty": "OKP", "crv": "Ed25519",
                           "x": jwt.utils.base64url_encode(raw).decode()}

    @property
    def seed_hex(self) -> str:
        return self.private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                              serialization.NoEncryption()).hex()

    def _signed(self, document: dict, proof: dict, signer: "Holder | None" = None) -> dict:
        signer = signer or self
        # Both suites sign sha256(canonical proof options) ‖ sha256(canonical document).
        options = {"@context": document["@context"], **proof}
        data = hashlib.sha256(_canonical(options)).digest() + hashlib.sha256(_canonical(document)).digest()
        signature = signer.private_key.sign(data)
        return {**document, "proof": {**proof, "proofValue": "z" + base58.b58encode(signature).decode()}}

    def did_auth_presentation(self, *, challenge: str, domain: str | None = None, signer: "Holder | None" = None,
                              ) -> dict:
        """What LCW posts: a VC 1.1 presentation, Ed25519Signature2020, proofPurpose authentication."""
        document = {"@context": ["https://www.w3.org/2018/credentials/v1",
                                 "https://w3id.org/security/suites/ed25519-2020/v1"],
                    "type": ["VerifiablePresentation"], "holder": self.did}
        proof = {"type": "Ed25519Signature2020", "created": _now(), "verificationMethod": self.key_id,
                 "proofPurpose": "authentication", "challenge": challenge}
        if domain is not None:
            proof["domain"] = domain
        return self._signed(document, proof, signer)

    def di_vp(self, *, challenge: str, domain: str) -> dict:
        """OpenID4VCI's di_vp proof: a VC 2.0 presentation, DataIntegrityProof eddsa-rdfc-2022."""
        document = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "holder": self.did}
        proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": _now(),
                 "verificationMethod": self.key_id, "proofPurpose": "authentication", "challenge": challenge,
                 "domain": domain}
        return self._signed(document, proof)

    def jwt_proof(self, *, audience: str, nonce: str, by_jwk: bool = False, signer: "Holder | None" = None) -> str:
        """OpenID4VCI's jwt proof: typ openid4vci-proof+jwt, EdDSA, the key as a did:key kid or a jwk."""
        header = {"typ": "openid4vci-proof+jwt"}
        header.update({"jwk": self.public_jwk} if by_jwk else {"kid": self.key_id})
        return jwt.encode({"aud": audience, "iat": int(time.time()), "nonce": nonce}, (signer or self).private_key,
                          algorithm="EdDSA", headers=header)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
