"""An organisation as an Open Badges issuer: its identifier, DID document, signer and public keys."""

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext_noop as _

from courses.models import Organization, OrganizationSigningKey
from courses.keys.rotation import organization_key_active, signing_key_private

from .did import issuer_did_document_build, issuer_did_web, verification_method_id
from ..sentences import Sentence
from .sign import VerificationResult, credential_verify, verification_refused
from courses.keys.crypto import did_key_verification_method, public_key_multibase_decode


@dataclass(frozen=True)
class IssuerSigner:
    issuer_id: str
    verification_method: str
    private_key: Ed25519PrivateKey


def organization_did_web(*, organization: Organization) -> str:
    return issuer_did_web(base_url=settings.LAUREL_BASE_URL, slug=organization.slug)


def _method_for(organization: Organization, key: OrganizationSigningKey) -> tuple[str, str]:
    if organization.issuer_id_method == Organization.IssuerIdMethod.DID_KEY:
        method = did_key_verification_method(public_key=public_key_multibase_decode(value=key.public_key_multibase))
        return method.split("#", 1)[0], method
    did = organization_did_web(organization=organization)
    return did, verification_method_id(did=did, key_id=key.key_id)


def organization_signer(*, organization: Organization) -> IssuerSigner:
    key = organization_key_active(organization=organization)
    issuer_id, method = _method_for(organization, key)
    return IssuerSigner(issuer_id=issuer_id, verification_method=method, private_key=signing_key_private(key=key))


def organization_did_document(*, organization: Organization) -> dict:
    """did:web document listing every key the organisation ever had, so old credentials still verify."""
    keys = [
        (key.key_id, public_key_multibase_decode(value=key.public_key_multibase))
        for key in organization.signing_keys.order_by("created_at", "id")
    ]
    if not keys:
        key = organization_key_active(organization=organization)
        keys = [(key.key_id, public_key_multibase_decode(value=key.public_key_multibase))]
    return issuer_did_document_build(base_url=settings.LAUREL_BASE_URL, slug=organization.slug, keys=keys)


def organization_public_key(*, organization: Organization, verification_method: str) -> Ed25519PublicKey | None:
    """The published key a proof names, if it is one of the organisation's (active or retired).

    Both identifier forms are accepted, so a credential signed before the organisation switched
    between did:web and did:key still finds its key.
    """
    did = organization_did_web(organization=organization)
    for key in organization.signing_keys.all():
        public_key = public_key_multibase_decode(value=key.public_key_multibase)
        if verification_method in (
            verification_method_id(did=did, key_id=key.key_id), did_key_verification_method(public_key=public_key)
        ):
            return public_key
    return None


def organization_signer_for(*, organization: Organization, issuer_id: str) -> IssuerSigner:
    """A signer that speaks as `issuer_id`: a did:key status list keeps the key it was published under."""
    signer = organization_signer(organization=organization)
    if signer.issuer_id == issuer_id:
        return signer
    did = organization_did_web(organization=organization)
    for key in organization.signing_keys.order_by("-created_at", "-id"):
        public_key = public_key_multibase_decode(value=key.public_key_multibase)
        method = did_key_verification_method(public_key=public_key)
        if issuer_id == did:
            method = verification_method_id(did=did, key_id=key.key_id)
        if method.split("#", 1)[0] == issuer_id:
            return IssuerSigner(issuer_id=issuer_id, verification_method=method, private_key=signing_key_private(key=key))
    raise LookupError(f"{organization} has no key that can sign as {issuer_id}.")


def organization_badge_verify(*, organization: Organization, badge: dict) -> VerificationResult:
    """Verify a badge's proof against the organisation's published keys, as a verifier would.

    The public credential page checks the stored badge with it, and a file presented for
    verification (/verify, POST /api/v1/verify) the badge it carries: one check for both.
    """
    proofs = badge.get("proof") or [{}]
    proof = proofs[0] if isinstance(proofs, list) and proofs else proofs
    method = proof.get("verificationMethod", "") if isinstance(proof, dict) else ""
    method = method if isinstance(method, str) else ""
    public_key = organization_public_key(organization=organization, verification_method=method)
    if public_key is None:
        said = (Sentence(_("%(method)s is not a key this issuer publishes"), {"method": method}) if method
                else Sentence(_("the proof names no key this issuer publishes")))
        return verification_refused(said, method)
    return credential_verify(credential=badge, public_key=public_key)
