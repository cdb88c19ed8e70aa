"""Standard Webhooks verification: the reference test vector, rotation, tolerance, malformed input."""

import pytest
from standardwebhooks import Webhook

from issuance.sources.signatures import SignatureError, SignedHeaders, secret_key, signature_compute, signature_verify

# From the Standard Webhooks notes (integrations reference §2.1), computed with an invented key.
VECTOR_SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="
VECTOR_ID = "msg_demo_0001"
VECTOR_TIMESTAMP = "1700000000"
VECTOR_BODY = b'{"type":"credential.issued","timestamp":"2023-11-14T22:13:20Z","data":{"credential_id":"cred_123"}}'
VECTOR_SIGNATURE = "v1,lc8D1rHs5uxWMGnegsULKwHVUb5pYOEo+KVb7NP3QDY="
OTHER_SECRET = "whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldCEh"


def _headers(signature=VECTOR_SIGNATURE, timestamp=VECTOR_TIMESTAMP, message_id=VECTOR_ID):
    return SignedHeaders(message_id=message_id, timestamp=timestamp, signature=signature)


def test_it_reproduces_the_reference_test_vector():
    assert secret_key(VECTOR_SECRET) == b"credential-automation-demo-key!!"
    assert signature_compute(secret=VECTOR_SECRET, message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY) == VECTOR_SIGNATURE


def test_it_verifies_the_reference_test_vector_at_its_own_time():
    signature_verify(secrets=[VECTOR_SECRET], headers=_headers(), body=VECTOR_BODY, now=1700000000 + 60)


def test_it_agrees_with_the_reference_library():
    from datetime import datetime, timezone

    theirs = Webhook(VECTOR_SECRET).sign(VECTOR_ID, datetime.fromtimestamp(1700000000, tz=timezone.utc), VECTOR_BODY.decode())
    assert theirs == VECTOR_SIGNATURE


def test_it_accepts_any_listed_signature_made_with_any_of_the_secrets():
    other = signature_compute(secret=OTHER_SECRET, message_id=VECTOR_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY)
    headers = _headers(signature=f"{other} v1a,ignoredEd25519 {VECTOR_SIGNATURE}")
    signature_verify(secrets=[VECTOR_SECRET], headers=headers, body=VECTOR_BODY, now=1700000000)
    signature_verify(secrets=["whsec_bm90LWl0", OTHER_SECRET], headers=_headers(signature=other), body=VECTOR_BODY, now=1700000000)


@pytest.mark.parametrize("offset", [-301, 301, -3600, 3600])
def test_it_refuses_timestamps_more_than_five_minutes_away_either_way(offset):
    with pytest.raises(SignatureError, match="5 minutes"):
        signature_verify(secrets=[VECTOR_SECRET], headers=_headers(), body=VECTOR_BODY, now=1700000000 - offset)


@pytest.mark.parametrize("offset", [-299, 299])
def test_it_accepts_timestamps_within_five_minutes_either_way(offset):
    signature_verify(secrets=[VECTOR_SECRET], headers=_headers(), body=VECTOR_BODY, now=1700000000 - offset)


@pytest.mark.parametrize(
    "headers",
    [
        _headers(signature="v1"),
        _headers(signature="v1,***"),
        _headers(signature="nocomma"),
        _headers(signature=""),
        _headers(timestamp="17e8"),
        _headers(timestamp=""),
        _headers(message_id=""),
        _headers(message_id="a.b"),
    ],
)
def test_it_turns_every_malformed_header_into_a_signature_error(headers):
    with pytest.raises(SignatureError):
        signature_verify(secrets=[VECTOR_SECRET], headers=headers, body=VECTOR_BODY, now=1700000000)


def test_it_refuses_a_tampered_body_and_non_utf8_bytes_without_crashing():
    with pytest.raises(SignatureError, match="No signature matches"):
        signature_verify(secrets=[VECTOR_SECRET], headers=_headers(), body=VECTOR_BODY + b" ", now=1700000000)
    with pytest.raises(SignatureError):
        signature_verify(secrets=[VECTOR_SECRET], headers=_headers(), body=b"\xff\xfe", now=1700000000)


def test_it_matches_nothing_with_a_malformed_stored_secret():
    with pytest.raises(SignatureError):
        signature_verify(secrets=["whsec_"], headers=_headers(), body=VECTOR_BODY, now=1700000000)
