"""The Learner Credential Wallet claims a credential from the learner's email: deep link and VC-API exchange."""

from datetime import timedelta

import requests
from django.utils import timezone

from audit.models import AuditRecord
from issuance.models import WalletOffer
from issuance.revocation import credential_revoke, credential_suspend

from .holder import Holder
from .lcw_client import deep_link_claim, exchange_start


def test_it_signs_the_credential_for_the_wallets_did_by_the_deep_link_and_revocation_reaches_the_verifier(
    learner, holder, verify, admin_user
):
    request = learner.lcw_request()

    reply = deep_link_claim(request=request, holder=holder)

    assert reply.status_code == 200, reply.text
    credential = reply.json()
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["id"] == holder.did
    assert credential["credentialStatus"] == learner.credential.badge["credentialStatus"]
    assert request["issuer"] == credential["issuer"]["id"]
    assert verify(credential, fetch_local=True) == {
        "accepted": True, "signatureVerified": True, "statuses": [{"purpose": "revocation", "set": False}],
        "errors": []}

    credential_revoke(credential=learner.credential, reason="Issued in error.", actor=admin_user)
    after = verify(credential, fetch_local=True)

    assert after["signatureVerified"] and not after["accepted"]
    assert after["statuses"] == [{"purpose": "revocation", "set": True}]


def test_it_answers_the_interaction_url_with_a_presentation_request_and_returns_a_presentation(
    learner, holder, verify, base
):
    exchange, vpr = exchange_start(interaction_url=learner.links()["interaction"])

    assert vpr["query"][0]["type"] == "DIDAuthentication"
    assert vpr["domain"] == base.removeprefix("http://")
    assert vpr["interact"]["service"][0]["serviceEndpoint"] == exchange
    presentation = holder.did_auth_presentation(challenge=vpr["challenge"], domain=vpr["domain"])
    reply = requests.post(exchange, json={"verifiablePresentation": presentation}, timeout=30)

    assert reply.status_code == 200, reply.text
    (credential,) = reply.json()["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == holder.did
    assert verify(credential, fetch_local=True)["accepted"]


def test_it_records_the_claim_on_the_issuance_timeline(learner, holder):
    deep_link_claim(request=learner.lcw_request(), holder=holder)

    record = AuditRecord.objects.filter(issuance=learner.credential.issuance, actor_label="wallet:lcw").get()
    offer = WalletOffer.objects.get(credential=learner.credential, protocol="lcw")
    assert holder.did in record.detail and "Learner Credential Wallet" in record.detail
    assert offer.holder_did == holder.did and offer.claimed_at is not None


def test_it_sends_the_same_credential_to_the_same_did_and_refuses_another(learner, holder):
    request = learner.lcw_request()
    first = deep_link_claim(request=request, holder=holder).json()

    again = deep_link_claim(request=request, holder=holder)
    other = deep_link_claim(request=request, holder=Holder())

    assert again.status_code == 200 and again.json() == first
    assert other.status_code == 403
    assert "already claimed into another wallet" in other.json()["error_description"]


def test_it_refuses_a_wrong_challenge(learner, holder):
    reply = deep_link_claim(request=learner.lcw_request(), holder=holder, challenge="not-the-challenge")

    assert reply.status_code == 401
    assert "challenge" in reply.json()["error_description"]
    assert WalletOffer.objects.get(credential=learner.credential, protocol="lcw").holder_did == ""


def test_it_refuses_a_wrong_domain_in_the_exchange(learner, holder):
    exchange, vpr = exchange_start(interaction_url=learner.links()["interaction"])
    presentation = holder.did_auth_presentation(challenge=vpr["challenge"], domain="evil.example")

    reply = requests.post(exchange, json={"verifiablePresentation": presentation}, timeout=30)

    assert reply.status_code == 401
    assert "domain 'evil.example'" in reply.json()["error_description"]


def test_it_refuses_a_challenge_used_twice(learner, holder):
    exchange, vpr = exchange_start(interaction_url=learner.links()["interaction"])
    presentation = holder.did_auth_presentation(challenge=vpr["challenge"], domain=vpr["domain"])
    assert requests.post(exchange, json={"verifiablePresentation": presentation}, timeout=30).status_code == 200

    replay = requests.post(exchange, json={"verifiablePresentation": presentation}, timeout=30)

    assert replay.status_code == 401


def test_it_refuses_a_presentation_signed_by_another_key(learner, holder):
    reply = deep_link_claim(request=learner.lcw_request(), holder=holder, signer=Holder())

    assert reply.status_code == 401
    assert "signature does not verify" in reply.json()["error_description"]


def test_it_refuses_an_expired_offer(learner, holder):
    request = learner.lcw_request()
    WalletOffer.objects.filter(credential=learner.credential).update(expires_at=timezone.now() - timedelta(seconds=1))

    reply = deep_link_claim(request=request, holder=holder)

    assert reply.status_code == 410
    assert "expired" in reply.json()["error_description"]


def test_it_refuses_a_revoked_or_suspended_credential(learner, holder, admin_user):
    request = learner.lcw_request()
    credential_suspend(credential=learner.credential, reason="Under review.", actor=admin_user)

    reply = deep_link_claim(request=request, holder=holder)

    assert reply.status_code == 403
    assert "suspended" in reply.json()["error_description"]


def test_it_locks_an_offer_after_too_many_failed_attempts(learner, holder, settings):
    settings.LAUREL_WALLET_MAX_ATTEMPTS = 3
    request = learner.lcw_request()
    for _ in range(3):
        assert deep_link_claim(request=request, holder=holder, challenge="guess").status_code == 401

    reply = deep_link_claim(request=request, holder=holder)

    assert reply.status_code == 403
    assert "too many failed attempts" in reply.json()["error_description"]
