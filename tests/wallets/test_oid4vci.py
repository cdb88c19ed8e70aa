"""An OpenID4VCI wallet claims the credential from the learner's email: pre-authorized code, jwt and di_vp proofs."""

import time
from datetime import timedelta

import pytest
import requests
from django.core import signing
from django.utils import timezone

from audit.models import AuditRecord
from issuance.models import WalletOffer, WalletSecret
from issuance.revocation import credential_revoke
from issuance.wallets.oid4vci import _nonce_signer, nonce_issue
from tests.factories.courses import OrganizationFactory

from .conftest import Learner
from .holder import Holder
from .oid4vci_client import resolve_offer


def _token(issuer) -> str:
    reply = issuer.token()
    assert reply.status_code == 200, reply.text
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.json()["token_type"] == "Bearer"
    return reply.json()["access_token"]


@pytest.mark.parametrize("proof_type", ["jwt", "jwt-with-jwk", "di_vp"])
def test_it_issues_the_credential_for_the_holder_and_revocation_reaches_the_verifier(
    learner, holder, verify, admin_user, proof_type
):
    issuer = resolve_offer(learner.offer_uri())
    configuration = issuer.metadata["credential_configurations_supported"][issuer.offer["credential_configuration_ids"][0]]
    assert configuration["format"] == "ldp_vc"
    assert configuration["credential_definition"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    access_token, nonce = _token(issuer), issuer.nonce()
    audience = issuer.metadata["credential_issuer"]
    if proof_type == "di_vp":
        proofs = {"di_vp": [holder.di_vp(challenge=nonce, domain=audience)]}
    else:
        proofs = {"jwt": [holder.jwt_proof(audience=audience, nonce=nonce, by_jwk=proof_type == "jwt-with-jwk")]}

    reply = issuer.credential(access_token=access_token, proofs=proofs)

    assert reply.status_code == 200, reply.text
    (issued,) = reply.json()["credentials"]
    credential = issued["credential"]
    assert isinstance(credential, dict)  # ldp_vc: a JSON object, not re-encoded
    assert credential["credentialSubject"]["id"] == holder.did
    assert verify(credential, fetch_local=True)["accepted"]
    record = AuditRecord.objects.get(issuance=learner.credential.issuance, actor_label="wallet:oid4vci")
    assert holder.did in record.detail

    credential_revoke(credential=learner.credential, reason="Issued in error.", actor=admin_user)
    after = verify(credential, fetch_local=True)
    assert after["signatureVerified"] and not after["accepted"]


def test_it_publishes_metadata_at_the_tenant_paths(learner, base):
    issuer = resolve_offer(learner.offer_uri())

    assert issuer.metadata["credential_issuer"] == f"{base}/oid4vci/harbour"
    assert issuer.authorization_server["token_endpoint"] == f"{base}/oid4vci/harbour/token"
    assert issuer.authorization_server["grant_types_supported"] == [
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert requests.get(f"{base}/.well-known/openid-credential-issuer/oid4vci/nobody", timeout=10).status_code == 404


@pytest.mark.parametrize("suffix, document", [("openid-credential-issuer", "metadata"),
                                              ("oauth-authorization-server", "authorization_server"),
                                              ("openid-configuration", "authorization_server")])
def test_it_answers_the_metadata_paths_draft_13_wallets_append_to_the_issuer(learner, base, suffix, document):
    # @sphereon/oid4vci-client 0.20.1 asked for <issuer>/.well-known/openid-credential-issuer and got a 404 page.
    issuer = resolve_offer(learner.offer_uri())
    identifier = issuer.metadata["credential_issuer"]

    reply = requests.get(f"{identifier}/.well-known/{suffix}", timeout=10)

    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("application/json")
    assert reply.json() == getattr(issuer, document)
    assert requests.get(f"{base}/oid4vci/nobody/.well-known/{suffix}", timeout=10).status_code == 404


def test_it_refuses_a_reused_pre_authorized_code(learner):
    issuer = resolve_offer(learner.offer_uri())
    _token(issuer)

    again = issuer.token()

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert "already used" in again.json()["error_description"]


def test_it_refuses_an_expired_offer(learner):
    issuer = resolve_offer(learner.offer_uri())
    WalletOffer.objects.filter(credential=learner.credential).update(expires_at=timezone.now() - timedelta(seconds=1))

    reply = issuer.token()

    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"
    assert "expired" in reply.json()["error_description"]


def test_it_refuses_a_replayed_token_and_nonce(learner, holder):
    issuer = resolve_offer(learner.offer_uri())
    access_token, nonce = _token(issuer), issuer.nonce()
    proof = holder.jwt_proof(audience=issuer.metadata["credential_issuer"], nonce=nonce)
    assert issuer.credential(access_token=access_token, proofs={"jwt": [proof]}).status_code == 200

    replayed = issuer.credential(access_token=access_token, proofs={"jwt": [proof]})

    assert replayed.status_code == 401 and replayed.json()["error"] == "invalid_token"
    assert replayed.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_it_refuses_a_used_nonce(learner, holder):
    first = resolve_offer(learner.offer_uri())
    nonce, audience = first.nonce(), first.metadata["credential_issuer"]
    proof = holder.jwt_proof(audience=audience, nonce=nonce)
    assert first.credential(access_token=_token(first), proofs={"jwt": [proof]}).status_code == 200
    second = resolve_offer(learner.offer_uri(_renewed_page(learner)))

    reply = second.credential(access_token=_token(second), proofs={"jwt": [proof]})

    assert reply.status_code == 400 and reply.json()["error"] == "invalid_nonce"


def _renewed_page(learner) -> str:
    """The learner asks their wallet page for new codes (the page's form, with its CSRF token)."""
    session = requests.Session()
    page = session.get(learner.wallet_url, timeout=10).text
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    reply = session.post(learner.wallet_url + "/new", data={"csrfmiddlewaretoken": token},
                         headers={"Referer": learner.wallet_url}, timeout=10)
    assert reply.status_code == 200, reply.text[:300]
    assert reply.url != learner.wallet_url
    return reply.text


def test_it_refuses_a_proof_by_another_key(learner, holder):
    issuer = resolve_offer(learner.offer_uri())
    access_token, nonce = _token(issuer), issuer.nonce()
    forged = holder.jwt_proof(audience=issuer.metadata["credential_issuer"], nonce=nonce, signer=Holder())

    reply = issuer.credential(access_token=access_token, proofs={"jwt": [forged]})

    assert reply.status_code == 400 and reply.json()["error"] == "invalid_proof"
    assert "does not verify" in reply.json()["error_description"]


def test_it_refuses_a_di_vp_for_another_issuer(learner, holder):
    issuer = resolve_offer(learner.offer_uri())
    access_token, nonce = _token(issuer), issuer.nonce()

    reply = issuer.credential(access_token=access_token,
                              proofs={"di_vp": [holder.di_vp(challenge=nonce, domain="https://evil.example")]})

    assert reply.status_code == 400 and reply.json()["error"] == "invalid_proof"
    assert "domain" in reply.json()["error_description"]


def test_it_refuses_a_revoked_credential(learner, holder, admin_user):
    issuer = resolve_offer(learner.offer_uri())
    access_token, nonce = _token(issuer), issuer.nonce()
    credential_revoke(credential=learner.credential, reason="Issued in error.", actor=admin_user)

    reply = issuer.credential(access_token=access_token, proofs={
        "jwt": [holder.jwt_proof(audience=issuer.metadata["credential_issuer"], nonce=nonce)]})

    assert reply.status_code == 400 and reply.json()["error"] == "credential_request_denied"
    assert "revoked" in reply.json()["error_description"]


def test_it_asks_for_the_transaction_code_when_configured(base, smtp, issue, settings):
    settings.LAUREL_WALLET_TX_CODE = True
    learner = Learner(smtp, issue())
    page = learner.wallet_page()
    tx_code = page.split('Transaction code <b>', 1)[1].split("</b>", 1)[0]
    issuer = resolve_offer(learner.offer_uri(page))

    assert issuer.offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["tx_code"]["length"] == 6
    wrong = issuer.token(tx_code="000000" if tx_code != "000000" else "111111")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert issuer.token(tx_code=tx_code).status_code == 200


def test_the_nonce_endpoint_stores_nothing_and_a_nonce_works_only_at_its_issuer_while_live(learner, holder):
    issuer = resolve_offer(learner.offer_uri())
    audience = issuer.metadata["credential_issuer"]
    stored = WalletSecret.objects.count()
    nonces = {issuer.nonce() for _ in range(5)}
    assert len(nonces) == 5 and WalletSecret.objects.count() == stored  # anyone may ask; nothing is written

    organization = learner.credential.issuance.organization
    elsewhere = nonce_issue(organization=OrganizationFactory())["c_nonce"]
    stale = _nonce_signer(organization)
    stale.timestamp = lambda: signing.b62_encode(int(time.time()) - 301)  # LAUREL_WALLET_NONCE_SECONDS is 300
    access_token = _token(issuer)
    for refused in (elsewhere, stale.sign("an-old-one"), nonces.pop()[:-1] + "x"):
        proof = holder.jwt_proof(audience=audience, nonce=refused)
        reply = issuer.credential(access_token=access_token, proofs={"jwt": [proof]})
        assert reply.status_code == 400 and reply.json()["error"] == "invalid_nonce", refused

    proof = holder.jwt_proof(audience=audience, nonce=nonces.pop())
    assert issuer.credential(access_token=access_token, proofs={"jwt": [proof]}).status_code == 200
    assert WalletSecret.objects.count() == stored + 2  # the access token, and the one nonce spent
