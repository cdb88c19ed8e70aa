"""OpenID for Verifiable Credential Issuance 1.0: the pre-authorized code flow, `ldp_vc`, per organisation.

Metadata (issuer and authorization server), the credential offer by reference, the token endpoint
(pre-authorized_code grant, optional tx_code), the nonce endpoint and the credential endpoint
(`jwt` and `di_vp` proofs). Errors carry the spec's codes; views turn OfferRefused into responses.
"""

import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.access.secret_digest import secret_hash
from courses.models import Organization

from ..models import WalletOffer, WalletSecret
from ..openbadges.loader import CREDENTIALS_V2_URL, OB_V3P0_CONTEXT_URL
from .addresses import credential_issuer_id
from .holder_proofs import ED25519_SIGNATURE_2020, EDDSA_RDFC_2022, HolderProofError, jwt_proof_verify, \
    presentation_verify
from .offers import (OfferRefused, offer_attempt_failed, offer_usable_check, one_time_value_find, one_time_value_issue,
                     one_time_value_use, wallet_offer_by_code, wallet_offer_claim)

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIGURATION_ID = "OpenBadgeCredential_ldp_vc"
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]


def _endpoint(organization: Organization, name: str) -> str:
    return f"{credential_issuer_id(organization=organization)}/{name}"


def issuer_metadata(*, organization: Organization) -> dict:
    """Credential Issuer Metadata: one `ldp_vc` configuration, the OpenBadgeCredential signed eddsa-rdfc-2022."""
    display = {"name": organization.name, "locale": "en"}
    if organization.website:
        display["url"] = organization.website
    return {
        "credential_issuer": credential_issuer_id(organization=organization),
        "credential_endpoint": _endpoint(organization, "credential"),
        "nonce_endpoint": _endpoint(organization, "nonce"),
        "display": [display],
        "credential_configurations_supported": {CONFIGURATION_ID: {
            "format": "ldp_vc",
            "credential_definition": {"@context": [CREDENTIALS_V2_URL, OB_V3P0_CONTEXT_URL], "type": CREDENTIAL_TYPE},
            "cryptographic_binding_methods_supported": ["did:key", "jwk"],
            "credential_signing_alg_values_supported": [EDDSA_RDFC_2022],
            "proof_types_supported": {
                "jwt": {"proof_signing_alg_values_supported": ["EdDSA"]},
                "di_vp": {"proof_signing_alg_values_supported": [EDDSA_RDFC_2022, ED25519_SIGNATURE_2020]},
            },
            "credential_metadata": {"display": [{"name": "Open Badge", "locale": "en",
                                                 "description": f"A credential issued by {organization.name}."}]},
        }},
    }


def authorization_server_metadata(*, organization: Organization) -> dict:
    """RFC 8414 metadata: the issuer is its own authorization server, for the pre-authorized grant only."""
    return {
        "issuer": credential_issuer_id(organization=organization),
        "token_endpoint": _endpoint(organization, "token"),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def _offer_for(organization: Organization, code: str) -> WalletOffer:
    offer = wallet_offer_by_code(protocol=WalletOffer.Protocol.OID4VCI, code=code)
    if offer.credential.issuance.organization_id != organization.pk:
        raise OfferRefused("Unknown offer code.", code="invalid_grant", status=404)
    return offer


def credential_offer(*, organization: Organization, code: str) -> dict:
    """What the credential_offer_uri answers: the offer, carrying its pre-authorized code."""
    offer = _offer_for(organization, code)
    offer_usable_check(offer)
    if offer.code_redeemed_at:
        raise OfferRefused("This offer was already used; ask for a new one.", code="invalid_grant", status=410)
    grant = {"pre-authorized_code": code}
    if offer.tx_code_hash:
        grant["tx_code"] = {"input_mode": "numeric", "length": 6,
                            "description": "The 6-digit code shown beside the QR code on your wallet page."}
    return {"credential_issuer": credential_issuer_id(organization=organization),
            "credential_configuration_ids": [CONFIGURATION_ID], "grants": {PRE_AUTHORIZED_GRANT: grant}}


def token_issue(*, organization: Organization, form) -> dict:
    """The Token Request with the pre-authorized code: an access token, once per code."""
    if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
        raise OfferRefused(f"grant_type must be {PRE_AUTHORIZED_GRANT}; got {form.get('grant_type')!r}.",
                           code="unsupported_grant_type")
    code = form.get("pre-authorized_code")
    if not code:
        raise OfferRefused("pre-authorized_code is missing.")
    try:
        offer = _offer_for(organization, code)
        offer_usable_check(offer)
    except OfferRefused as exc:
        raise OfferRefused(str(exc), code="invalid_grant") from exc
    if offer.tx_code_hash:
        tx_code = form.get("tx_code") or ""
        if not hmac.compare_digest(offer.tx_code_hash, secret_hash(tx_code)):
            offer_attempt_failed(offer)
            raise OfferRefused("The transaction code is missing or wrong.", code="invalid_grant")
    redeemed = WalletOffer.objects.filter(pk=offer.pk, code_redeemed_at=None).update(code_redeemed_at=timezone.now())
    if not redeemed:
        offer_attempt_failed(offer)
        raise OfferRefused("This pre-authorized code was already used.", code="invalid_grant")
    seconds = settings.LAUREL_WALLET_TOKEN_SECONDS
    token = one_time_value_issue(kind=WalletSecret.Kind.ACCESS_TOKEN, offer=offer, seconds=seconds)
    return {"access_token": token, "token_type": "Bearer", "expires_in": seconds}


def _nonce_signer(organization: Organization) -> signing.TimestampSigner:
    # Salted per issuer: a c_nonce from one organisation's endpoint is no use at another's.
    return signing.TimestampSigner(salt=f"laurel.wallet.c_nonce:{organization.pk}")


def nonce_issue(*, organization: Organization) -> dict:
    """A c_nonce that costs no storage: random, timestamped and signed with the project's key.

    The nonce endpoint answers anyone, so it writes nothing; the one use of a nonce is recorded when
    a credential request (which needs an access token) spends it (nonce_spend).
    """
    return {"c_nonce": _nonce_signer(organization).sign(secrets.token_urlsafe(18))}


def nonce_spend(*, organization: Organization, value) -> bool:
    """True for the one request that spends a live c_nonce of this issuer; False if forged, expired or used."""
    if not isinstance(value, str) or not value:
        return False
    seconds = settings.LAUREL_WALLET_NONCE_SECONDS
    try:
        _nonce_signer(organization).unsign(value, max_age=seconds)
    except signing.BadSignature:  # SignatureExpired included
        return False
    now = timezone.now()
    try:
        with transaction.atomic():  # value_hash is unique: a replay's insert fails
            WalletSecret.objects.create(kind=WalletSecret.Kind.NONCE, value_hash=secret_hash(value), used_at=now,
                                        expires_at=now + timedelta(seconds=seconds))
    except IntegrityError:
        return False
    return True


def _one_proof(body: dict) -> tuple[str, object]:
    proofs = body.get("proofs")
    if proofs is None and isinstance(body.get("proof"), dict):  # the single `proof` of earlier drafts
        single = body["proof"]
        kind = single.get("proof_type")
        return kind, single.get(kind)
    if not isinstance(proofs, dict) or len(proofs) != 1:
        raise OfferRefused("proofs must be an object with exactly one proof type (jwt or di_vp).",
                           code="invalid_proof")
    (kind, values), = proofs.items()
    if not isinstance(values, list) or len(values) != 1:
        raise OfferRefused(f"proofs.{kind} must be an array of one proof: this offer is for one credential.",
                           code="invalid_proof")
    return kind, values[0]


def _holder_from_proof(*, organization: Organization, kind: str, value) -> tuple[str, str]:
    audience = credential_issuer_id(organization=organization)
    if kind == "jwt":
        return jwt_proof_verify(token=value, audience=audience)
    if kind == "di_vp":
        proof = presentation_verify(presentation=value, suites=(EDDSA_RDFC_2022, ED25519_SIGNATURE_2020))
        if proof.domain != audience:
            raise HolderProofError(f"The di_vp proof's domain {proof.domain!r} is not this credential issuer "
                                   f"({audience}).")
        return proof.holder_did, proof.challenge
    raise OfferRefused(f"Proof type {kind!r} is not supported; use jwt or di_vp.", code="invalid_proof")


def _access_token(authorization: str) -> WalletSecret:
    scheme, _, value = (authorization or "").partition(" ")
    token = one_time_value_find(kind=WalletSecret.Kind.ACCESS_TOKEN, value=value.strip()) \
        if scheme.lower() == "bearer" else None
    if token is None:
        raise OfferRefused("The access token is missing, unknown, expired or already used.", code="invalid_token",
                           status=401)
    return token


def credential_issue(*, organization: Organization, authorization: str, body) -> dict:
    """The Credential Request: check the token, the configuration and the holder's proof; sign for the holder."""
    token = _access_token(authorization)
    offer = WalletOffer.objects.select_related("credential__issuance").get(pk=token.offer_id)
    if offer.credential.issuance.organization_id != organization.pk:
        raise OfferRefused("The access token is not for this credential issuer.", code="invalid_token", status=401)
    if not isinstance(body, dict):
        raise OfferRefused("The credential request must be a JSON object.", code="invalid_credential_request")
    configuration = body.get("credential_configuration_id")
    if configuration is None and "credential_identifier" not in body:
        raise OfferRefused("Name the credential_configuration_id.", code="invalid_credential_request")
    if configuration not in (None, CONFIGURATION_ID) or body.get("credential_identifier") not in (None, CONFIGURATION_ID):
        raise OfferRefused(f"This issuer offers only {CONFIGURATION_ID!r}.", code="unknown_credential_configuration")
    try:
        offer_usable_check(offer)
    except OfferRefused as exc:
        raise OfferRefused(str(exc), code="credential_request_denied") from exc
    kind, value = _one_proof(body)
    try:
        holder_did, nonce = _holder_from_proof(organization=organization, kind=kind, value=value)
    except HolderProofError as exc:
        offer_attempt_failed(offer)
        raise OfferRefused(str(exc), code="invalid_proof") from exc
    if not nonce_spend(organization=organization, value=nonce):
        offer_attempt_failed(offer)
        raise OfferRefused("The proof's nonce is not a live c_nonce from the nonce endpoint (unknown, expired or "
                           "already used); get a fresh one.", code="invalid_nonce")
    if not one_time_value_use(token):
        raise OfferRefused("The access token was already used.", code="invalid_token", status=401)
    credential = wallet_offer_claim(offer=offer, holder_did=holder_did)
    return {"credentials": [{"credential": credential}]}
