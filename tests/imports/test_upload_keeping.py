"""How long an upload is kept (docs/import.md, "Deleting an upload, and retention"): staff delete one, its credentials
staying with a note of their origin; LAUREL_IMPORT_UPLOAD_RETENTION_DAYS has the daily privacy job remove old files;
the audit trail records both. And a page of an upload only reads: a GET never writes."""

from datetime import timedelta

from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditRecord
from issuance.models import Credential, CredentialImportUpload, ImportedCredential
from issuance.privacy.tasks import privacy_daily

from .conftest import drive_all
from .test_admin import ADD, review_url, staff, upload
from .test_other_sources import host  # noqa: F401  (the OB 2.0 host fixture)

FIRST_AID = "cfaf2910-0000-4000-8000-00000000fa01"


def _imported(operator, org):
    upload(operator, org)
    row = CredentialImportUpload.objects.get()
    operator.post(review_url(row), {"step": "map", "badges": "1", "badge-0": FIRST_AID, "course-0": "FA-101"})
    operator.post(review_url(row), {"step": "import", "expected": "2"})
    drive_all()
    return row


def test_staff_delete_an_upload_and_its_credentials_stay_noting_where_they_came_from(imports, client, org):
    operator = staff(client, org, "operator")
    row = _imported(operator, org)
    delete_url = reverse("admin:issuance_credentialimportupload_delete", args=[row.pk])
    assert delete_url in operator.get(reverse("admin:issuance_credentialimportupload_change", args=[row.pk])).content.decode()

    viewer = staff(client.__class__(), org, "viewer", username="viewer")
    assert viewer.post(delete_url, {"post": "yes"}).status_code == 403
    confirm = operator.get(delete_url)
    assert confirm.status_code == 200 and "credly_issued_badges.csv" in confirm.content.decode()
    assert "The 2 credential(s) this upload imported stay" in confirm.content.decode()
    done = operator.post(delete_url, {"post": "yes"})

    assert done.status_code == 302 and not CredentialImportUpload.objects.exists()
    assert Credential.objects.count() == 2 and ImportedCredential.objects.count() == 2
    record = ImportedCredential.objects.get(learner__email="ann@learners.example")
    assert record.upload_id is None and record.upload_note == (
        f"Its upload credly_issued_badges.csv was deleted on {timezone.now():%Y-%m-%d} by staff; this record stays.")
    shown = operator.get(reverse("admin:issuance_credential_change", args=[record.issuance.credential.pk])).content.decode()
    assert "Its upload credly_issued_badges.csv was deleted on" in shown
    audit = AuditRecord.objects.get(to_state="upload deleted")
    assert audit.organization_id == org.pk and audit.actor_label == "staff"
    assert f"Deleted credential import upload {row.pk} (credly_issued_badges.csv, Credly, uploaded" in audit.detail
    assert "the 2 credential(s) it imported stay" in audit.detail and "learners.example" not in audit.detail


def test_the_daily_job_removes_upload_files_past_the_retention_and_audits_it(imports, client, org, monkeypatch):
    operator = staff(client, org, "operator")
    old = _imported(operator, org)
    upload(operator, org, "accredible_credentials.csv", "accredible")
    new = CredentialImportUpload.objects.exclude(pk=old.pk).get()
    CredentialImportUpload.objects.filter(pk=old.pk).update(uploaded_at=timezone.now() - timedelta(days=31))

    assert "import upload" not in privacy_daily()  # unset: kept until staff delete them
    monkeypatch.setenv("LAUREL_IMPORT_UPLOAD_RETENTION_DAYS", "30")
    said = privacy_daily()

    assert said.endswith("; 1 import upload file(s) past retention removed")
    old.refresh_from_db()
    new.refresh_from_db()
    assert bytes(old.body) == b"" and old.file_removed_at is not None and old.summary.startswith("Imported 2")
    assert bytes(new.body) != b"" and new.file_removed_at is None
    assert Credential.objects.count() == 2
    audit = AuditRecord.objects.get(to_state="upload file removed")
    assert audit.actor_kind == "system" and audit.actor_label == "import upload retention"
    assert "older than LAUREL_IMPORT_UPLOAD_RETENTION_DAYS (30 days)" in audit.detail
    page = operator.get(review_url(old)).content.decode()
    assert "The stored file was removed on" in page and 'data-testid="import-confirm"' not in page
    assert "import upload" not in privacy_daily()  # removed once


def test_a_bad_retention_setting_is_refused_by_a_system_check(monkeypatch):
    for bad in ("thirty", "0", "-5"):
        monkeypatch.setenv("LAUREL_IMPORT_UPLOAD_RETENTION_DAYS", bad)
        assert [e.id for e in run_checks() if e.id.startswith("laurel.E05")] == ["laurel.E050"], bad
    monkeypatch.setenv("LAUREL_IMPORT_UPLOAD_RETENTION_DAYS", "90")
    assert not [e for e in run_checks() if e.id == "laurel.E050"]


def test_an_ob2_list_is_fetched_when_uploaded_and_its_pages_never_write(imports, host, client, org):  # noqa: F811
    first_aid = host.badge_class("fa", "First Aid")
    ann = host.assertion("a1", email="ann@learners.example", badge=first_aid, issued_on="2025-02-03")
    operator = staff(client, org, "operator")
    operator.post(ADD, {"organization": org.pk, "source": "ob2", "column_names": "",
                        "file": SimpleUploadedFile("assertions.txt", f"{ann},ann@learners.example,Ann Lee\n".encode())})
    row = CredentialImportUpload.objects.get()
    assert set(row.fetched) == {ann, first_aid}  # asked in the upload's POST

    with CaptureQueriesContext(connection) as queries:
        page = operator.get(review_url(row)).content.decode()
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]

    assert "First Aid" in page
    assert [w for w in writes if "credentialimportupload" in w.lower()] == []
    assert sorted(r["path"] for r in host.calls("GET")) == ["/public/assertions/a1", "/public/badges/fa"]
