"""did:web identifiers and the issuer DID document."""

import pytest

from issuance.openbadges.did import (
    DidError,
    did_web_document_url,
    issuer_did_document_build,
    issuer_did_web,
)
from courses.keys.crypto import key_pair_generate, public_key_multibase_decode


@pytest.mark.parametrize(
    ("base_url", "did", "document_url"),
    [
        ("https://laurel.example.org", "did:web:laurel.example.org:issuers:acme",
         "https://laurel.example.org/issuers/acme/did.json"),
        ("http://127.0.0.1:8000/", "did:web:127.0.0.1%3A8000:issuers:acme",
         "https://127.0.0.1:8000/issuers/acme/did.json"),
        ("https://Example.ORG/laurel", "did:web:example.org:laurel:issuers:acme",
         "https://example.org/laurel/issuers/acme/did.json"),
    ],
)
def test_it_derives_the_did_web_and_where_its_document_lives(base_url, did, document_url):
    assert issuer_did_web(base_url=base_url, slug="acme") == did
    assert did_web_document_url(did=did) == document_url


def test_it_lists_every_key_in_assertion_method_so_rotated_keys_still_verify():
    old, current = key_pair_generate(), key_pair_generate()

    document = issuer_did_document_build(
        base_url="https://laurel.example.org", slug="acme", keys=[("key-1", old.public_key), ("key-2", current.public_key)]
    )

    did = "did:web:laurel.example.org:issuers:acme"
    assert document["id"] == did
    assert document["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    assert document["assertionMethod"] == [f"{did}#key-1", f"{did}#key-2"]
    methods = {m["id"]: m for m in document["verificationMethod"]}
    assert {m["type"] for m in methods.values()} == {"Multikey"}
    assert {m["controller"] for m in methods.values()} == {did}
    assert public_key_multibase_decode(value=methods[f"{did}#key-1"]["publicKeyMultibase"]) == old.public_key
    assert public_key_multibase_decode(value=methods[f"{did}#key-2"]["publicKeyMultibase"]) == current.public_key


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "laurel.example.org", "slug": "acme", "keys": []}, "absolute http"),
        ({"base_url": "https://laurel.example.org", "slug": "ac:me", "keys": []}, "slug"),
        ({"base_url": "https://laurel.example.org", "slug": "acme", "keys": []}, "at least one key"),
        ({"base_url": "https://laurel.example.org", "slug": "acme",
          "keys": [("k 1", key_pair_generate().public_key)]}, "fragment"),
    ],
)
def test_it_explains_inputs_that_cannot_make_a_did_document(kwargs, message):
    with pytest.raises(DidError, match=message):
        issuer_did_document_build(**kwargs)


def test_it_refuses_duplicate_key_ids():
    key = key_pair_generate().public_key
    with pytest.raises(DidError, match="unique"):
        issuer_did_document_build(base_url="https://l.example", slug="a", keys=[("k", key), ("k", key)])
