"""A credential's certificate after issue: served under a readable name, regenerated with an audit trail, zipped."""

import hashlib
import io
import zipfile

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from audit.models import AuditRecord
from issuance.models import Credential
from tests.certificates.conftest import pdf_reader, pdf_text
from tests.pipeline.conftest import complete, course, drive, org, smtp  # noqa: F401  (fixtures)


@pytest.fixture
def credential(smtp, course):  # noqa: F811
    return drive(complete(course, score=92, name="Nguyễn Thị Minh Khai")).credential


def test_the_certificate_is_served_inline_under_a_readable_filename(client, credential):
    response = client.get(f"/credentials/{credential.pk}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=utf-8''Certificate%20-%20First%20Aid%20-%20Nguy%E1%BB%85n%20Th%E1%BB%8B%20Minh%20Khai.pdf" in disposition
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == credential.pdf_sha256
    assert "Nguyễn Thị Minh Khai" in pdf_text(body)
    metadata = pdf_reader(body).metadata
    assert (metadata.title, metadata.author, metadata.subject) == (
        "Certificate - First Aid - Nguyễn Thị Minh Khai", "Harbour Academy", "First Aid")


def test_an_unknown_certificate_is_a_plain_404(client, db):
    assert client.get("/credentials/00000000-0000-4000-8000-000000000000.pdf").status_code == 404


def test_staff_regenerate_a_certificate_after_a_name_correction(admin_client, credential):
    old_hash = credential.pdf_sha256
    url = reverse("admin:issuance_credential_changelist")
    confirm = admin_client.post(url, {"action": "regenerate_certificates", helpers.ACTION_CHECKBOX_NAME: [credential.pk]})
    assert "Regenerate 1 certificate" in confirm.content.decode()

    response = admin_client.post(url, {
        "action": "regenerate_certificates", helpers.ACTION_CHECKBOX_NAME: [credential.pk], "confirm": "yes",
        "reason": "The LMS dropped a diacritic", "learner_name": "Nguyễn Thị Minh Khải",
    }, follow=True)
    assert "Regenerated 1 certificate" in response.content.decode()

    credential.refresh_from_db()
    assert credential.pdf_sha256 != old_hash
    assert credential.issuance.learner_name == "Nguyễn Thị Minh Khải"
    with credential.pdf.open("rb") as stored:
        assert "Nguyễn Thị Minh Khải" in pdf_text(stored.read())
    record = AuditRecord.objects.filter(issuance=credential.issuance, detail__startswith="Certificate regenerated").get()
    assert record.actor_kind == "staff" and record.actor_user.username == "staff"
    assert old_hash in record.detail and credential.pdf_sha256 in record.detail
    assert "The LMS dropped a diacritic" in record.detail
    assert Credential.objects.filter(pk=credential.pk).exists()  # the same id: shared links keep working


def test_regenerating_without_a_reason_is_refused(admin_client, credential):
    old_hash = credential.pdf_sha256
    response = admin_client.post(reverse("admin:issuance_credential_changelist"), {
        "action": "regenerate_certificates", helpers.ACTION_CHECKBOX_NAME: [credential.pk], "confirm": "yes", "reason": "",
    })
    assert "This field is required" in response.content.decode()
    credential.refresh_from_db()
    assert credential.pdf_sha256 == old_hash


def test_staff_download_selected_certificates_as_one_streamed_zip(admin_client, credential, course):  # noqa: F811
    second = drive(complete(course, score=95, email="bo@learners.example", name="Bo Li")).credential
    response = admin_client.post(reverse("admin:issuance_credential_changelist"), {
        "action": "download_certificates_zip", helpers.ACTION_CHECKBOX_NAME: [credential.pk, second.pk],
    })
    assert response.status_code == 200 and response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = sorted(archive.namelist())
    assert names[0].startswith("Certificate - First Aid - Bo Li (") and names[1].startswith("Certificate - First Aid - Nguyễn")
    for name, item in zip(names, sorted([second, credential], key=lambda c: c.issuance.learner_name)):
        assert hashlib.sha256(archive.read(name)).hexdigest() == item.pdf_sha256
