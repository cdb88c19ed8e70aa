"""A renewed credential's file: its own status (one of the five), and a warning naming the credential that renewed it."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from issuance.models import Credential
from tests.pipeline.conftest import complete, drive


def test_it_answers_a_renewed_pdf_with_its_own_status_and_names_the_credential_that_renewed_it(client, smtp, first_aid):
    completed = timezone.now() + timedelta(days=40) - relativedelta(months=12)
    old = drive(complete(first_aid, score=90, when=completed)).credential
    renewed = Credential.objects.get(pk=drive(complete(first_aid, score=95)).credential.pk)
    with old.pdf.open("rb") as handle:
        pdf = handle.read()

    body = client.post("/api/v1/verify", data={"file": SimpleUploadedFile("certificate.pdf", pdf)}).json()

    assert body["verified"] is True and body["status"] == "valid" and body["original_file"] is True
    [warning] = body["warnings"]
    assert warning["type"] == "superseded" and warning["current_credential_id"] == renewed.badge["id"]
    page = client.post("/verify", data={"file": SimpleUploadedFile("certificate.pdf", pdf)}).content.decode()
    assert f'<a id="file-renewed" href="{renewed.badge["id"].removesuffix(".json")}">' in page  # its public page
    assert "It was renewed: a newer credential replaced this one." in page
