"""#32's "Done when", end to end: the certificate PDF the pipeline stores (PDF/A-3 with its signed credential
inside, nothing attached by the test) checked by POST /api/v1/verify and the /verify page, as issued, with one
byte of its text changed, and after the credential is revoked."""

import io
import re

import pikepdf
from django.core.files.uploadedfile import SimpleUploadedFile

from issuance.revocation import credential_revoke


def _api(client, pdf: bytes) -> dict:
    answer = client.post("/api/v1/verify", data={"file": SimpleUploadedFile("certificate.pdf", pdf)})
    assert answer.status_code == 200, answer.content
    return answer.json()


def _page(client, pdf: bytes) -> str:
    answer = client.post("/verify", data={"file": SimpleUploadedFile("certificate.pdf", pdf)})
    assert answer.status_code == 200, answer.content
    return " ".join(re.sub(r"<[^>]+>", " ", answer.content.decode()).split())


def test_it_verifies_the_stored_pdf_then_a_one_byte_edit_of_it_then_the_same_file_revoked(client, issued_pdf, admin_user):
    credential, pdf = issued_pdf(name="Ann Lee")
    assert pikepdf.open(io.BytesIO(pdf)).open_metadata().pdfa_status == "3B"

    body = _api(client, pdf)
    assert body["verified"] is True and body["status"] == "valid" and body["original_file"] is True
    assert body["credential_id"] == credential.badge["id"]
    assert "This PDF is the original file that was issued, unchanged." in _page(client, pdf)

    title = b"/Title (Certificate - First Aid at Work - Ann Lee)"
    assert pdf.count(title) == 1
    edited = pdf.replace(title, title.replace(b"Ann Lee", b"Ann Lie"))  # one byte, same length: still readable
    assert len(edited) == len(pdf) and sum(a != b for a, b in zip(pdf, edited)) == 1
    with pikepdf.open(io.BytesIO(edited)) as document:
        assert str(document.docinfo.Title).endswith("Ann Lie")

    body = _api(client, edited)
    assert body["verified"] is True and body["status"] == "valid" and body["original_file"] is False
    assert [warning["type"] for warning in body["warnings"]] == ["pdf_changed"]
    assert "The badge inside is genuine; this PDF was changed after issue." in _page(client, edited)

    credential_revoke(credential=credential, reason="Assessment found to be copied.", actor=admin_user)

    body = _api(client, pdf)
    assert body["verified"] is False and body["status"] == "revoked" and body["original_file"] is True
    assert "Status now Revoked: Assessment found to be copied." in _page(client, pdf)
