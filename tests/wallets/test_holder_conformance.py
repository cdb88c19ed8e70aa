"""The test holder and Laurel agree with Digital Bazaar's suites, so neither is only right about itself."""

import requests

from .holder import Holder


def test_digital_bazaar_verifies_the_test_holders_presentations(holder, verify_presentation):
    did_auth = holder.did_auth_presentation(challenge="c-1")
    exchange = holder.did_auth_presentation(challenge="c-2", domain="laurel.example")
    di_vp = holder.di_vp(challenge="n-1", domain="https://laurel.example/oid4vci/harbour")
    forged = holder.did_auth_presentation(challenge="c-1", signer=Holder())

    assert verify_presentation(did_auth, challenge="c-1") == {"verified": True, "errors": []}
    assert verify_presentation(exchange, challenge="c-2", domain="laurel.example")["verified"]
    assert verify_presentation(di_vp, challenge="n-1", domain="https://laurel.example/oid4vci/harbour")["verified"]
    assert not verify_presentation(forged, challenge="c-1")["verified"]
    assert not verify_presentation(did_auth, challenge="another")["verified"]


def test_laurel_accepts_a_did_auth_signed_as_the_learner_credential_wallet_signs_it(learner, holder, lcw_signer,
                                                                                    verify):
    request = learner.lcw_request()
    presentation = lcw_signer(seed_hex=holder.seed_hex, challenge=request["challenge"])

    reply = requests.post(request["vc_request_url"], json=presentation, timeout=30)

    assert presentation["proof"]["type"] == "Ed25519Signature2020" and presentation["holder"] == holder.did
    assert reply.status_code == 200, reply.text
    assert reply.json()["credentialSubject"]["id"] == holder.did
    assert verify(reply.json(), fetch_local=True)["accepted"]
