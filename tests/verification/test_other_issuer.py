"""A credential another did:web issuer signed: its DID document fetched through the outgoing-request guard."""

import copy
import json

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


def test_it_reads_an_unchecked_status_list_as_unknown(client, other_issuer, db):
    credential = other_issuer.sign(other_issuer.build(
        credential_id="https://northwind.example/credentials/43.json", credential_status=other_issuer.status_entry(7)))

    body = _verify(client, credential)

    assert body["verified"] is True and body["status"] == "unknown"
    assert "status_not_checked" in [warning["type"] for warning in body["warnings"]]


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
