"""POST /api/v1/verify: anyone checks a credential, a certificate PDF or a baked badge, and hears its status now."""

import copy
import json

import pytest

from issuance.revocation import credential_revoke, credential_suspend

URL = "/api/v1/verify"


def _post_json(client, body, **extra):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **extra)


def _post_file(client, data: bytes, name: str = "certificate.pdf", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(URL, data={"file": SimpleUploadedFile(name, data)}, **extra)


def test_it_verifies_a_credential_sent_as_json_without_authentication(client, issue):
    credential = issue()

    answer = _post_json(client, credential.badge)

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["verified"] is True and body["status"] == "valid"
    assert body["checks"] == ["proof", "expiration", "credentialStatus"]
    assert body["errors"] == [] and body["warnings"] == []
    assert body["credential_id"] == credential.badge["id"]
    assert "original_file" not in body  # a PDF's question only


def test_it_takes_the_credential_wrapped_as_vc_api_sends_it(client, issue):
    credential = issue()

    body = _post_json(client, {"verifiableCredential": credential.badge}).json()

    assert body["verified"] is True and body["credential_id"] == credential.badge["id"]


def test_it_says_a_changed_credential_does_not_verify(client, issue):
    credential = issue()
    changed = copy.deepcopy(credential.badge)
    changed["credentialSubject"]["achievement"]["name"] = "Brain Surgery"

    body = _post_json(client, changed).json()

    assert body["verified"] is False
    assert [error["type"] for error in body["errors"]] == ["invalid_signature"]
    assert "altered" in body["errors"][0]["detail"]


def test_it_says_a_pdf_is_the_original_file_issued(client, issued_pdf):
    credential, pdf = issued_pdf()

    body = _post_file(client, pdf).json()

    assert body["verified"] is True and body["status"] == "valid"
    assert body["original_file"] is True and body["credential_id"] == credential.badge["id"]


def test_it_says_a_pdf_changed_after_issue_still_carries_a_genuine_badge(client, issued_pdf):
    credential, pdf = issued_pdf()
    changed = pdf.replace(b"/Producer", b"/Producez", 1) if b"/Producer" in pdf else pdf + b"\n%changed\n"

    body = _post_file(client, changed).json()

    assert body["original_file"] is False
    assert body["verified"] is True  # the badge inside is genuine …
    assert [warning["type"] for warning in body["warnings"]] == ["pdf_changed"]  # … the pages may not be
    assert f"/credentials/{credential.pk}.pdf" in body["warnings"][0]["detail"]


def test_it_reads_the_same_file_as_revoked_once_revoked(client, issued_pdf, admin_user):
    credential, pdf = issued_pdf()
    assert _post_file(client, pdf).json()["status"] == "valid"

    credential_revoke(credential=credential, reason="Assessment found to be copied.", actor=admin_user)

    body = _post_file(client, pdf).json()
    assert body["status"] == "revoked" and body["verified"] is False
    assert body["errors"] == [{"type": "revoked", "title": "Revoked", "detail": "Assessment found to be copied."}]
    assert body["original_file"] is True


def test_it_reads_a_suspended_credential_as_suspended(client, issue, admin_user):
    credential = issue()
    credential_suspend(credential=credential, reason="Under review.", actor=admin_user)

    body = _post_json(client, credential.badge).json()

    assert body["status"] == "suspended" and body["verified"] is False


def test_it_reads_an_expired_credential_as_expired(client, issue):
    from datetime import timedelta

    from django.utils import timezone

    credential = issue()
    credential.__class__.objects.filter(pk=credential.pk).update(valid_until=timezone.now() - timedelta(days=1))

    body = _post_json(client, credential.badge).json()

    assert body["status"] == "expired" and body["verified"] is False


def test_it_says_null_for_the_original_file_of_a_pdf_not_issued_here(client, issued_pdf, issuer):
    from tests.verification.conftest import pdf_with_credential

    _, pdf = issued_pdf()
    foreign = issuer.sign(issuer.build(credential_id="https://elsewhere.example/credentials/1.json",
                                       issuer_id="did:key:" + "z6Mk" + "x"))
    body = _post_file(client, pdf_with_credential(pdf, foreign)).json()

    assert body["original_file"] is None and body["verified"] is False


def test_it_checks_a_credential_json_file_and_a_baked_png(client, issue):
    credential = issue()
    png = client.get(f"/credentials/{credential.pk}/badge.png").content

    from_json = _post_file(client, json.dumps(credential.badge).encode(), name="credential.json").json()
    from_png = _post_file(client, png, name="badge.png").json()

    assert from_json["verified"] is True and from_json["credential_id"] == credential.badge["id"]
    assert from_png["verified"] is True and from_png["status"] == "valid"
    assert from_png["checks"][0] == "hostedAssertion"
    assert from_png["credential_id"] == credential.badge["id"]


def test_it_answers_429_with_retry_after_past_the_rate_per_address(client, issue, settings):
    credential = issue()
    settings.LAUREL_VERIFY_RATE = 3

    answers = [_post_json(client, credential.badge) for _ in range(4)]
    other_address = _post_json(client, credential.badge, REMOTE_ADDR="203.0.113.9")

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    assert other_address.status_code == 200


@pytest.mark.parametrize("content_type, body, status", [
    ("application/json", b"", 400),
    ("application/json", b"{not json", 400),
    ("text/plain", b"hello", 415),
    ("application/json", b"[" * 40 + b"]" * 40, 400),
])
def test_it_refuses_a_body_it_cannot_read_with_a_clear_4xx(client, content_type, body, status, db):
    answer = client.post(URL, data=body, content_type=content_type)

    assert answer.status_code == status and answer.json()["detail"]


def test_it_asks_for_the_file_part_by_name(client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = client.post(URL, data={"document": SimpleUploadedFile("a.pdf", b"%PDF-1.7")})

    assert answer.status_code == 400 and "'file'" in answer.json()["detail"]


def test_it_is_documented_in_the_openapi_schema(client, db):
    schema = client.get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/verify"]["post"]
    assert operation["security"] == [] or operation.get("security") in ([{}], None)
    assert set(operation["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert {"200", "413", "422", "429"} <= set(operation["responses"])


@pytest.mark.parametrize("odd", [
    {"type": "VerifiableCredential"},
    {"type": ["VerifiableCredential"], "issuer": ["a", "b"], "proof": "z123", "validFrom": 7},
    {"type": ["VerifiableCredential"], "issuer": {"id": 5}, "proof": [{"verificationMethod": 5}], "credentialSubject": []},
    {"type": ["VerifiableCredential"], "id": 12, "issuer": "did:web:", "proof": {"verificationMethod": "did:web:#k"}},
    {"type": ["VerifiableCredential"], "issuer": "did:key:zNotAKey", "proof": [{"verificationMethod": "did:key:zNotAKey#k"}]},
    {"type": ["VerifiableCredential"], "issuer": "https://example.org/issuer", "proof": [{"verificationMethod": "x"}],
     "validUntil": "2001-01-01T00:00:00Z", "credentialStatus": {"id": 1}},
    {"verifiableCredential": [1, 2]},
    ["VerifiableCredential"],
])
def test_it_answers_an_odd_credential_with_errors_not_a_500(client, odd, db):
    answer = _post_json(client, odd)

    assert answer.status_code == 200, answer.content
    assert answer.json()["verified"] is False and answer.json()["errors"]
