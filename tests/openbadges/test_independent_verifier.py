"""Digital Bazaar's verifier (@digitalbazaar/vc + eddsa-rdfc-2022), which we did not write, judges our credentials."""

import copy
import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from issuance.openbadges.did import verification_method_id
from courses.keys.crypto import key_pair_generate
from issuance.openbadges.sign import credential_sign
from issuance.openbadges.bitstring import bitstring_encode, status_list_credential_build

from .conftest import Issuer

REVOKED_INDEX = 4242


def _status_list(issuer: Issuer, revoked: list[int]) -> dict:
    credential = status_list_credential_build(
        list_url=issuer.status_list_url(),
        issuer_id=issuer.did,
        purpose="revocation",
        encoded_list=bitstring_encode(set_indexes=revoked),
        valid_from=datetime.now(timezone.utc),
    )
    return issuer.sign(credential)


def _full_credential(issuer: Issuer) -> dict:
    return issuer.sign(
        issuer.build(
            recipient_name="Ann Learner",
            score=86,
            score_max="100",
            evidence=[{"name": "Final quiz", "narrative": "Scored 86%."}],
            credential_status=issuer.status_entry(REVOKED_INDEX),
        )
    )


def test_it_accepts_our_signed_credential_offline(verify):
    issuer = Issuer("https://laurel.example.org")

    result = verify(_full_credential(issuer), did_documents=[issuer.did_document()], status_lists=[_status_list(issuer, [1, 2])])

    assert result == {"accepted": True, "signatureVerified": True,
                      "statuses": [{"purpose": "revocation", "set": False}], "errors": []}


def test_it_rejects_a_tampered_credential(verify):
    issuer = Issuer("https://laurel.example.org")
    tampered = copy.deepcopy(_full_credential(issuer))
    tampered["credentialSubject"]["achievement"]["name"] = "Fire Safety Expert"

    result = verify(tampered, did_documents=[issuer.did_document()], status_lists=[_status_list(issuer, [])])

    assert not result["accepted"] and not result["signatureVerified"]
    assert "Invalid signature." in result["errors"]


def test_it_rejects_a_key_missing_from_the_did_document(verify):
    issuer = Issuer("https://laurel.example.org")
    stranger = key_pair_generate()
    signed = credential_sign(
        credential=issuer.build(),
        private_key=stranger.private_key,
        verification_method=verification_method_id(did=issuer.did, key_id="key-3"),
        created=datetime.now(timezone.utc),
    )

    result = verify(signed, did_documents=[issuer.did_document()])

    assert not result["accepted"]
    assert any("key-3" in error for error in result["errors"])


def test_it_accepts_what_a_rotated_out_key_signed(verify):
    issuer = Issuer("https://laurel.example.org")
    signed = credential_sign(
        credential=issuer.build(),
        private_key=issuer.old.private_key,
        verification_method=verification_method_id(did=issuer.did, key_id="key-1"),
        created=datetime.now(timezone.utc),
    )

    assert verify(signed, did_documents=[issuer.did_document()])["accepted"]


def test_it_agrees_that_the_1edtech_vector_verifies(verify, vector):
    issuer_id = vector["credential"]["issuer"]["id"]
    method = vector["proofOptions"]["verificationMethod"]
    controller = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": issuer_id,
        "verificationMethod": [
            {"id": method, "type": "Multikey", "controller": issuer_id, "publicKeyMultibase": vector["publicKeyMultibase"]}
        ],
        "assertionMethod": [method],
    }

    assert verify(vector["signedCredential"], did_documents=[controller])["accepted"]


class _Site(BaseHTTPRequestHandler):
    routes: dict[str, dict] = {}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        document = self.routes.get(self.path)
        body = json.dumps(document).encode() if document is not None else b"{}"
        self.send_response(200 if document is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Site", (_Site,), {"routes": {}}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_it_resolves_our_did_web_and_sees_a_revocation_served_on_loopback(verify, site):
    issuer = Issuer(f"http://127.0.0.1:{site.server_address[1]}")
    routes = site.RequestHandlerClass.routes
    routes[f"/issuers/{issuer.slug}/did.json"] = issuer.did_document()
    routes[f"/status/{issuer.slug}/revocation/1"] = _status_list(issuer, [])
    credential = _full_credential(issuer)

    before = verify(credential, fetch_local=True)
    routes[f"/status/{issuer.slug}/revocation/1"] = _status_list(issuer, [REVOKED_INDEX])
    after = verify(credential, fetch_local=True)

    assert before["accepted"], before
    assert after["signatureVerified"] and not after["accepted"]
    assert after["statuses"] == [{"purpose": "revocation", "set": True}]
