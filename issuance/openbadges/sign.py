"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite: sign and verify a credential."""

import copy
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.utils.translation import gettext_noop as _

from ..sentences import Sentence
from .canonical import CanonicalizationError, jsonld_safety_check, rdf_canonicalize
from courses.keys.crypto import signature_is_valid
from .loader import ContextNotBundledError

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"


@dataclass(frozen=True)
class VerificationResult:
    """`reason` says in English why it does not verify; `said` is the same sentence with its values, so the
    verify page can say it in its visitor's language (None when it verifies)."""

    verified: bool
    reason: str = ""
    verification_method: str | None = None
    said: Sentence | None = None

    def __bool__(self) -> bool:
        return self.verified


def verification_refused(said: Sentence, method: str | None = None) -> VerificationResult:
    return VerificationResult(False, str(said), method, said)


def datetime_xsd(value: datetime) -> str:
    """Whole-second UTC timestamp with a 'Z', the form every verifier parses."""
    if value.tzinfo is None:
        raise ValueError(f"Timestamps must carry a time zone; got naive datetime {value.isoformat()}.")
    return value.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def proof_hash_data(*, document: dict, proof_options: dict) -> bytes:
    """What an Ed25519 Data Integrity proof signs (eddsa-rdfc-2022 and Ed25519Signature2020 alike)."""
    # The proof options are canonicalized under the document's @context, and hashed first.
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    options = {"@context": document["@context"], **proof_options}
    options.pop("proofValue", None)
    proof_hash = hashlib.sha256(rdf_canonicalize(options).encode("utf-8")).digest()
    document_hash = hashlib.sha256(rdf_canonicalize(unsigned).encode("utf-8")).digest()
    return proof_hash + document_hash


def credential_sign(
    *, credential: dict, private_key: Ed25519PrivateKey, verification_method: str, created: datetime
) -> dict:
    """Return a copy of `credential` with a DataIntegrityProof appended to its `proof` array."""
    if "@context" not in credential:
        raise ValueError("The credential has no @context; it cannot be canonicalized.")
    if "proof" in credential:
        raise ValueError("The credential already carries a proof; sign the unsigned credential.")
    # Refuse to sign what canonicalization would silently drop (and strict verifiers reject).
    jsonld_safety_check(credential)
    proof = {
        "type": PROOF_TYPE,
        "created": datetime_xsd(created),
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = private_key.sign(proof_hash_data(document=credential, proof_options=proof))
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    signed = copy.deepcopy(credential)
    # An array, as the 1EdTech schema wants; the spec also allows a single object.
    signed["proof"] = [proof]
    return signed


def _issuer_id(credential: dict) -> str | None:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _proof_problem(proof: dict, credential: dict) -> Sentence | None:
    if proof.get("type") != PROOF_TYPE:
        return Sentence(_("proof type is %(found)s, expected %(expected)s"),
                        {"found": repr(proof.get("type")), "expected": repr(PROOF_TYPE)})
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        return Sentence(_("proofPurpose is %(found)s, expected %(expected)s"),
                        {"found": repr(proof.get("proofPurpose")), "expected": repr(PROOF_PURPOSE)})
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or "#" not in method:
        return Sentence(_("verificationMethod %(method)s is not a key URL with a fragment"), {"method": repr(method)})
    controller = method.split("#", 1)[0]
    if controller != _issuer_id(credential):
        return Sentence(_("verificationMethod %(method)s is not controlled by the issuer %(issuer)s"),
                        {"method": repr(method), "issuer": repr(_issuer_id(credential))})
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return Sentence(_("proofValue is missing or not multibase base58btc (%(prefix)s prefix)"), {"prefix": "'z'"})
    return None


def credential_verify(*, credential: dict, public_key: Ed25519PublicKey) -> VerificationResult:
    """Check the credential's eddsa-rdfc-2022 proof against `public_key`; never raises on bad input."""
    proofs = credential.get("proof")
    if isinstance(proofs, dict):
        proofs = [proofs]
    if not isinstance(proofs, list) or not proofs:
        return verification_refused(Sentence(_("the credential carries no proof")))
    ours = [p for p in proofs if isinstance(p, dict) and p.get("cryptosuite") == CRYPTOSUITE]
    if not ours:
        return verification_refused(Sentence(_("no proof uses the %(suite)s cryptosuite"), {"suite": CRYPTOSUITE}))
    proof = ours[0]
    method = proof.get("verificationMethod")
    problem = _proof_problem(proof, credential)
    if problem:
        return verification_refused(problem, method)
    try:
        signature = base58.b58decode(proof["proofValue"][1:])
    except ValueError:
        return verification_refused(Sentence(_("proofValue is not valid base58btc")), method)
    if len(signature) != 64:
        return verification_refused(Sentence(_("signature is %(size)s bytes, expected 64"), {"size": len(signature)}), method)
    try:
        data = proof_hash_data(document=credential, proof_options=proof)
    except (CanonicalizationError, ContextNotBundledError) as exc:
        return verification_refused(exc.said, method)  # Laurel's sentence around the JSON-LD processor's words
    if not signature_is_valid(public_key=public_key, signature=signature, data=data):
        return verification_refused(
            Sentence(_("the signature does not match: the credential was altered or signed by another key")), method)
    return VerificationResult(True, "", method)
