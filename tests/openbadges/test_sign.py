"""eddsa-rdfc-2022 signing and verification, checked against the official 1EdTech test vector."""

import copy
import hashlib
from datetime import datetime, timezone

import pytest
from pyld import jsonld

from issuance.openbadges.canonical import UnsafeJsonLdError, rdf_canonicalize
from courses.keys.crypto import key_pair_generate, private_key_from_seed
from issuance.openbadges.loader import ContextNotBundledError, bundled_document_loader
from issuance.openbadges.sign import credential_sign, credential_verify

VECTOR_CREATED = datetime(2010, 1, 1, 19, 23, 24, tzinfo=timezone.utc)


def _vector_key(vector):
    return private_key_from_seed(seed=bytes.fromhex(vector["privateKeyHex"]))


def _sign_vector(vector):
    return credential_sign(
        credential=vector["credential"],
        private_key=_vector_key(vector),
        verification_method=vector["proofOptions"]["verificationMethod"],
        created=VECTOR_CREATED,
    )


def test_it_reproduces_the_1edtech_canonical_forms_and_hashes(vector):
    document_canon = rdf_canonicalize(vector["credential"])
    proof_canon = rdf_canonicalize({"@context": vector["credential"]["@context"], **vector["proofOptions"]})

    assert document_canon == vector["documentCanon"]
    assert proof_canon == vector["proofCanon"]
    assert hashlib.sha256(document_canon.encode()).hexdigest() == vector["documentHashHex"]
    assert hashlib.sha256(proof_canon.encode()).hexdigest() == vector["proofHashHex"]


def test_it_reproduces_the_1edtech_signature_and_proof_value(vector):
    signed = _sign_vector(vector)

    [proof] = signed["proof"]
    assert proof == vector["signedCredential"]["proof"]
    assert proof["proofValue"] == vector["proofValue"]
    hash_data = bytes.fromhex(vector["proofHashHex"] + vector["documentHashHex"])
    assert _vector_key(vector).sign(hash_data).hex() == vector["signatureHex"]
    unsigned_part = {key: value for key, value in signed.items() if key != "proof"}
    assert unsigned_part == vector["credential"]


def test_it_verifies_the_1edtech_signed_credential(vector):
    result = credential_verify(credential=vector["signedCredential"], public_key=_vector_key(vector).public_key())

    assert result.verified, result.reason


def test_it_signs_and_verifies_a_credential_with_several_blank_nodes(issuer):
    credential = issuer.build(
        recipient_name="Ann Learner",
        score=86,
        score_max="100",
        evidence=[{"name": "Final quiz", "narrative": "Scored 86% on the final quiz."}],
        credential_status=issuer.status_entry(7),
    )
    signed = issuer.sign(credential)
    canonical = rdf_canonicalize(credential)
    # Subject, two identity objects, criteria, result, evidence: all blank nodes.
    assert {f"_:c14n{i}" for i in range(5)} <= set(canonical.split())
    # The shape where pyld's default algorithm gives different bytes, so the algorithm choice matters.
    urgna2012 = jsonld.normalize(
        credential,
        {"algorithm": "URGNA2012", "format": "application/n-quads", "documentLoader": bundled_document_loader},
    )
    assert urgna2012 != canonical

    assert credential_verify(credential=signed, public_key=issuer.current.public_key).verified


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c["credentialSubject"]["achievement"].update(name="Fire Safety Expert"),
        lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="sha256$" + "0" * 64),
        lambda c: c.update(validFrom="2001-01-01T00:00:00Z"),
        lambda c: c["proof"][0].update(created="2001-01-01T00:00:00Z"),
    ],
    ids=["achievement-name", "recipient", "valid-from", "proof-created"],
)
def test_it_rejects_a_tampered_credential(issuer, tamper):
    signed = issuer.sign(issuer.build())
    tampered = copy.deepcopy(signed)
    tamper(tampered)

    result = credential_verify(credential=tampered, public_key=issuer.current.public_key)

    assert not result.verified
    assert "signature does not match" in result.reason


def test_it_rejects_a_signature_checked_with_another_key(issuer):
    signed = issuer.sign(issuer.build())

    assert not credential_verify(credential=signed, public_key=issuer.old.public_key).verified
    assert not credential_verify(credential=signed, public_key=key_pair_generate().public_key).verified


def test_it_rejects_a_key_that_the_issuer_does_not_control(issuer):
    signed = credential_sign(
        credential=issuer.build(),
        private_key=issuer.current.private_key,
        verification_method="did:web:attacker.example#key-1",
        created=datetime.now(timezone.utc),
    )

    result = credential_verify(credential=signed, public_key=issuer.current.public_key)

    assert not result.verified
    assert "not controlled by the issuer" in result.reason


def test_it_explains_a_missing_or_mangled_proof(issuer):
    signed = issuer.sign(issuer.build())
    unsigned = {key: value for key, value in signed.items() if key != "proof"}
    mangled = copy.deepcopy(signed)
    mangled["proof"][0]["proofValue"] = "z0OIl"

    assert credential_verify(credential=unsigned, public_key=issuer.current.public_key).reason == (
        "the credential carries no proof"
    )
    assert "base58" in credential_verify(credential=mangled, public_key=issuer.current.public_key).reason


def test_it_refuses_to_sign_terms_that_the_signature_would_not_cover(issuer):
    credential = issuer.build()
    credential["credentialSchema"] = [{"id": "https://example.org/schema.json", "type": "1EdTechJsonSchemaValidator2019"}]
    credential["favouriteColour"] = "teal"

    with pytest.raises(UnsafeJsonLdError) as excinfo:
        issuer.sign(credential)

    assert "favouriteColour" in str(excinfo.value)
    assert "1EdTechJsonSchemaValidator2019" in str(excinfo.value)


def test_it_refuses_a_context_that_is_not_bundled(issuer):
    credential = issuer.build()
    credential["@context"] = [*credential["@context"], "https://evil.example/context.json"]

    with pytest.raises(ContextNotBundledError, match="evil.example"):
        issuer.sign(credential)


def test_it_refuses_a_naive_timestamp_and_a_second_signature(issuer):
    with pytest.raises(ValueError, match="time zone"):
        credential_sign(
            credential=issuer.build(),
            private_key=issuer.current.private_key,
            verification_method=issuer.verification_method,
            created=datetime(2026, 1, 1),
        )
    with pytest.raises(ValueError, match="already carries a proof"):
        issuer.sign(issuer.sign(issuer.build()))
