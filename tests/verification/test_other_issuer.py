"""A credential another did:web issuer signed: its DID document fetched through the outgoing-request guard."""

import base64
import copy
import gzip
import json
from datetime import datetime, timezone

from issuance.openbadges.bitstring import bitstring_encode, status_list_credential_build

URL = "/api/v1/verify"


def _verify(client, credential) -> dict:
    answer = client.post(URL, data=json.dumps(credential), content_type="application/json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_it_verifies_a_credential_signed_by_another_did_web_issuer_and_says_so(client, did_host, other_issuer, db):
    credential = other_issuer.sign(other_issuer.build(
        credential_id="https://northwind.example/credentials/42.json"))

    body = _verify(client, credential)

    assert body["verified"] is True and body["status"] == "valid"
    assert did_host.requests == ["/issuers/northwind/did.json"]
    assert [warning["type"] for warning in body["warnings"]] == ["other_issuer"]
    assert other_issuer.did in body["warnings"][0]["detail"]
    assert f"{did_host.base_url}/issuers/northwind/did.json" in body["warnings"][0]["detail"]


def test_it_says_a_changed_credential_from_another_issuer_does_not_verify(client, other_issuer, db):
    credential = other_issuer.sign(other_issuer.build(credential_id="https://northwind.example/credentials/42.json"))
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["achievement"]["name"] = "Pilot's Licence"

    body = _verify(client, changed)

    assert body["verified"] is False and body["errors"][0]["type"] == "invalid_signature"


def _publish_status_list(did_host, issuer, *, revoked: set[int]) -> None:
    listing = status_list_credential_build(list_url=issuer.status_list_url(), issuer_id=issuer.did, purpose="revocation",
                                           encoded_list=bitstring_encode(set_indexes=revoked),
                                           valid_from=datetime.now(timezone.utc))
    did_host.publish(path="/status/northwind/revocation/1", document=issuer.sign(listing))


def test_it_reads_another_issuers_status_list_and_says_revoked(client, did_host, other_issuer, db):
    _publish_status_list(did_host, other_issuer, revoked={7})
    revoked, valid = (other_issuer.sign(other_issuer.build(
        credential_id=f"https://northwind.example/credentials/{index}.json",
        credential_status=other_issuer.status_entry(index))) for index in (7, 8))

    revoked_body, valid_body = _verify(client, revoked), _verify(client, valid)

    assert revoked_body["status"] == "revoked" and revoked_body["verified"] is False
    assert "credentialStatus" in revoked_body["checks"]
    assert valid_body["status"] == "valid" and valid_body["verified"] is True
    assert "/status/northwind/revocation/1" in did_host.requests


def test_it_reads_a_status_list_it_cannot_fetch_as_unknown(client, other_issuer, db):
    credential = other_issuer.sign(other_issuer.build(
        credential_id="https://northwind.example/credentials/43.json", credential_status=other_issuer.status_entry(7)))

    body = _verify(client, credential)

    assert body["verified"] is True and body["status"] == "unknown"
    warning = [warning for warning in body["warnings"] if warning["type"] == "status_not_checked"][0]
    assert "answered HTTP 404" in warning["detail"]


def test_it_refuses_a_status_list_that_inflates_like_a_bomb(client, did_host, other_issuer, db):
    bomb = base64.urlsafe_b64encode(gzip.compress(b"\0" * (64 * 1024 * 1024))).decode().rstrip("=")
    listing = status_list_credential_build(list_url=other_issuer.status_list_url(), issuer_id=other_issuer.did,
                                           purpose="revocation", encoded_list=bitstring_encode(set_indexes=[]),
                                           valid_from=datetime.now(timezone.utc))
    listing["credentialSubject"]["encodedList"] = "u" + bomb
    did_host.publish(path="/status/northwind/revocation/1", document=other_issuer.sign(listing))
    credential = other_issuer.sign(other_issuer.build(
        credential_id="https://northwind.example/credentials/44.json", credential_status=other_issuer.status_entry(7)))

    body = _verify(client, credential)

    assert body["status"] == "unknown"
    assert any("inflates past" in warning["detail"] for warning in body["warnings"])


def test_it_fetches_nothing_the_guard_refuses(client, did_host, other_issuer, settings, db):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    credential = other_issuer.sign(other_issuer.build(credential_id="https://northwind.example/credentials/42.json"))

    body = _verify(client, credential)

    assert body["verified"] is False and did_host.requests == []
    assert body["errors"][0]["type"] == "issuer_key_unavailable"
    assert "private, loopback or link-local" in body["errors"][0]["detail"]


def test_it_says_when_the_did_document_does_not_list_the_key(client, did_host, other_issuer, db):
    document = other_issuer.did_document()
    document["assertionMethod"] = document["assertionMethod"][:1]  # key-2, which signs, is no longer listed
    did_host.publish(path="/issuers/northwind/did.json", document=document)
    credential = other_issuer.sign(other_issuer.build(credential_id="https://northwind.example/credentials/42.json"))

    body = _verify(client, credential)

    assert body["verified"] is False
    assert "lists no assertion key" in body["errors"][0]["detail"]
