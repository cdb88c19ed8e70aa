"""The OpenBadgeCredential builder: OB 3.0 shape, the 1EdTech schema, and clear input errors."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from issuance.openbadges.credential import CredentialInputError, email_identity_hash


def _errors(validator, document):
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_it_builds_a_minimal_credential_that_passes_the_schema_signed_and_unsigned(issuer, schema_validator):
    credential = issuer.build(issuer_url=None, issuer_image=None, achievement_image=None, achievement_tags=())

    assert _errors(schema_validator, credential) == []
    assert _errors(schema_validator, issuer.sign(credential)) == []


def test_it_builds_a_full_credential_that_passes_the_schema(issuer, schema_validator):
    credential = issuer.build(
        recipient_name="Ann Learner",
        issuer_email="badges@acme-training.example",
        valid_until=datetime.now(timezone.utc) + timedelta(days=730),
        score=86.5,
        score_min="0",
        score_max="100",
        evidence=[{"id": "https://acme-training.example/evidence/1", "name": "Final quiz"}],
        credential_status=issuer.status_entry(4242),
    )

    assert _errors(schema_validator, issuer.sign(credential)) == []


def test_it_carries_what_an_ob3_verifier_reads(issuer):
    valid_from = datetime(2026, 5, 4, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    credential = issuer.build(valid_from=valid_from, valid_until=valid_from + timedelta(days=365), score=92)

    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {
        "id": issuer.did,
        "type": ["Profile"],
        "name": "Acme Training Ltd",
        "url": "https://acme-training.example",
        "image": {"id": "https://acme-training.example/logo.png", "type": "Image"},
    }
    assert credential["validFrom"] == "2026-05-04T07:30:15Z"
    assert credential["validUntil"] == "2027-05-04T07:30:15Z"
    assert credential["name"] == "Fire Safety Awareness"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    assert achievement["criteria"] == {"narrative": "Complete all modules and pass the final quiz with at least 80%."}
    assert achievement["tag"] == ["safety", "compliance"]
    assert achievement["image"]["caption"] == "Fire Safety Awareness"
    assert subject["result"] == [
        {"type": ["Result"], "resultDescription": achievement["resultDescription"][0]["id"], "value": "92"}
    ]
    assert "issuanceDate" not in credential and "expirationDate" not in credential


def test_it_identifies_the_learner_by_a_salted_hash_never_the_email(issuer):
    credential = issuer.build(recipient_email="  Ann.Learner@Example.org ", recipient_salt="pepper")

    [identity] = credential["credentialSubject"]["identifier"]
    expected = "sha256$" + hashlib.sha256(b"ann.learner@example.orgpepper").hexdigest()
    assert identity == {
        "type": "IdentityObject",
        "identityHash": expected,
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "pepper",
    }
    assert "example.org" not in str(credential["credentialSubject"]).lower()
    assert email_identity_hash(email="ANN.LEARNER@example.org", salt="pepper") == expected


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"credential_id": "/credentials/1.json"}, "credential_id must be an absolute IRI"),
        ({"issuer_id": "acme"}, "issuer_id must be an absolute IRI"),
        ({"achievement_image": "badge.png"}, "achievement_image must be an absolute IRI"),
        ({"achievement_name": "  "}, "achievement_name must be non-empty"),
        ({"recipient_email": "not-an-email"}, "does not look like an email"),
        ({"recipient_salt": ""}, "recipient_salt"),
        ({"valid_until": datetime(2000, 1, 1, tzinfo=timezone.utc)}, "must be after valid_from"),
        ({"valid_from": datetime(2026, 1, 1)}, "time zone"),
        ({"score": 80, "score_type": "Vibes"}, "score_type must be one of"),
        ({"evidence": [{"colour": "red"}]}, "Unknown evidence fields"),
        ({"achievement_language": "French"}, "achievement_language must be a language code"),
        ({"achievement_editions": [("https://acme.example/a?lang=pt_br", "pt_br")]}, "achievement_editions language"),
        ({"achievement_editions": [("a?lang=de", "de")]}, "achievement_editions id must be an absolute IRI"),
    ],
)
def test_it_explains_inputs_that_would_make_an_invalid_credential(issuer, overrides, message):
    with pytest.raises(ValueError, match=message):
        issuer.build(**overrides)


def test_it_refuses_a_list_of_status_entries_that_the_schema_forbids(issuer, schema_validator):
    entries = [issuer.status_entry(1), issuer.status_entry(2, "suspension")]
    with pytest.raises(CredentialInputError, match="one entry"):
        issuer.build(credential_status=entries)
    # Why: the 1EdTech schema itself rejects an array here.
    credential = issuer.build()
    credential["credentialStatus"] = entries
    assert any("credentialStatus" in error for error in _errors(schema_validator, credential))


def test_it_keeps_learner_text_as_data(issuer):
    credential = issuer.build(recipient_name='<script>alert("x")</script>', criteria_narrative="{{ evil }} <b>")

    signed = issuer.sign(credential)

    assert signed["credentialSubject"]["identifier"][1]["identityHash"] == '<script>alert("x")</script>'
    assert signed["credentialSubject"]["achievement"]["criteria"]["narrative"] == "{{ evil }} <b>"
