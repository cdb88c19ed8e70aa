"""A learner's rights reach what an import keeps: their copy of their data lists the credentials brought over (from
where, first issued when) and their rows in stored uploads; erasure takes those rows out of the stored files (the
other learners' rows kept as they were) and the original's address off the imported record."""

import io
import json
import zipfile

from django.conf import settings

from issuance.imports.plan import import_plan
from issuance.models import CredentialImportUpload, ImportedCredential
from issuance.privacy.erasure import learner_erase
from issuance.privacy.export import learner_export_write
from issuance.privacy.search import personal_data_search
from issuance.privacy.subject import subject_find

from .conftest import SAMPLES, drive_all, run_import

ANN = "ann@learners.example"
CREDLY = (SAMPLES / "credly_issued_badges.csv").read_bytes()
BADGR = (SAMPLES / "badgr_assertions.json").read_bytes()
FIRE = "--map=cfaf2910-0000-4000-8000-00000000f501=FS-101"


def _uploads(org, admin_user):
    """The Credly export, kept in the admin; and a URL list whose first line is only an address: the answer kept
    for it (an unhashed recipient) is what says it is Ann's."""
    credly = CredentialImportUpload.objects.create(organization=org, source="credly", file_name="credly.csv",
                                                   body=CREDLY, uploaded_by=admin_user)
    hers, his = "https://badges.example/assertions/a1", "https://badges.example/assertions/b2"
    answers = {hers: {"status": 200, "document": {"type": "Assertion", "id": hers,
                                                  "recipient": {"type": "email", "hashed": False, "identity": ANN}}},
               his: {"status": 200, "document": {"type": "Assertion", "id": his,
                                                 "recipient": {"type": "email", "hashed": False,
                                                               "identity": "bo@learners.example"}}}}
    listed = CredentialImportUpload.objects.create(
        organization=org, source="ob2", file_name="assertions.txt", body=f"{hers}\n{his},bo@learners.example,Bo Chan\n".encode(),
        fetched=answers, uploaded_by=admin_user)
    CredentialImportUpload.objects.create(organization=org, source="badgr", file_name="badgr.json", body=BADGR,
                                          uploaded_by=admin_user)
    return credly, listed, hers, his


def test_erasure_takes_her_rows_out_of_stored_uploads_and_the_dry_run_lists_them(
        imports, org, admin_user, django_capture_on_commit_callbacks):
    run_import("credly_issued_badges.csv", "--from", "credly", FIRE)
    drive_all()
    credly, listed, hers, his = _uploads(org, admin_user)
    subject = subject_find(organization_slug=org.slug, email=ANN)
    rows_before = {o.row.number: o.row.original_id for o in import_plan(
        organization=org, source="credly", body=CREDLY, file_name="credly.csv").rows}

    dry = {place.name: place.count for place in learner_erase(subject=subject, dry_run=True).places}
    assert dry["issuance_credentialimportupload"] == 3 and dry["issuance_importedcredential"] == 1
    assert bytes(CredentialImportUpload.objects.get(pk=credly.pk).body) == CREDLY
    with django_capture_on_commit_callbacks(execute=True):
        learner_erase(subject=subject, actor=admin_user)

    credly.refresh_from_db()
    listed.refresh_from_db()
    kept = bytes(credly.body).decode()
    others = [line for line in CREDLY.decode().splitlines() if ANN not in line]
    assert [line for line in kept.splitlines() if line] == others  # the others' rows, byte for byte
    rows_after = {o.row.number: o.row.original_id for o in import_plan(
        organization=org, source="credly", body=bytes(credly.body), file_name="credly.csv").rows}
    assert rows_after == {number: original for number, original in rows_before.items() if number not in (2, 6, 9)}
    assert bytes(listed.body).decode().splitlines() == ["", f"{his},bo@learners.example,Bo Chan"]
    assert set(listed.fetched) == {his}
    badgr = json.loads(bytes(CredentialImportUpload.objects.get(source="badgr").body))
    assert len(badgr["result"]) == len(json.loads(BADGR)["result"]) and badgr["badgeclasses"]  # her item's place kept
    assert len([item for item in badgr["result"] if item is not None]) == len(json.loads(BADGR)["result"]) - 1
    imported = ImportedCredential.objects.get(source_badge="First Aid", row=2)
    assert imported.original_url == "" and imported.original_id.startswith("[erased]")
    left = personal_data_search(needles=[ANN, "Ann Lee", "credly.com/badges/5d7a1c1e-0001"],
                                folders=[settings.MEDIA_ROOT, settings.MAIL_DIR])
    assert [hit.where for hit in left.hits] == []
    assert learner_erase(subject=subject_find(organization_slug=org.slug, email=ANN), dry_run=True).total == 0


def test_her_copy_of_her_data_lists_what_was_brought_over_and_her_rows_in_stored_uploads(imports, org, admin_user):
    run_import("credly_issued_badges.csv", "--from", "credly", FIRE)
    [issuance] = [i for i in drive_all() if i.learner.email == ANN]
    _uploads(org, admin_user)

    buffer = io.BytesIO()
    learner_export_write(subject=subject_find(organization_slug=org.slug, email=ANN), out=buffer)
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))

    [imported] = json.loads(archive.read("data/imported_credentials.json"))
    assert imported["source"] == "Credly" and imported["source_badge"] == "First Aid"
    assert imported["original_url"] == "https://www.credly.com/badges/5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501"
    assert imported["originally_issued_at"] == "2025-03-04T09:41:00-05:00"  # as Credly wrote it
    assert imported["original_expires_at"] == "2028-03-04T09:41:00-05:00"
    assert imported["credential_id"] == str(issuance.credential.pk) and imported["row"] == 2
    uploads = {upload["file_name"]: upload["rows"] for upload in json.loads(archive.read("data/import_uploads.json"))}
    assert [row.split(",")[0] for row in uploads["credly.csv"]] == [
        "5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501", "5d7a1c1e-0005-4c1a-9b1e-a1b2c3d4e505",
        "5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501"]
    assert uploads["assertions.txt"] == ["https://badges.example/assertions/a1"]
    assert [item["recipient"]["plaintextIdentity"] for item in uploads["badgr.json"]] == [ANN]
    assert "bo@learners.example" not in archive.read("data/import_uploads.json").decode()
    summary = archive.read("summary.html").decode()
    assert "Credentials brought over from another platform" in summary
    assert "Your rows in files uploaded to bring credentials over" in summary


ACCREDIBLE = (SAMPLES / "accredible_credentials.json").read_bytes()


def test_erasure_takes_her_item_out_of_a_stored_accredible_json_upload_the_others_keeping_their_rows(
        imports, org, admin_user, django_capture_on_commit_callbacks):
    search = CredentialImportUpload.objects.create(organization=org, source="accredible", file_name="accredible.json",
                                                   body=ACCREDIBLE, uploaded_by=admin_user)
    one = json.loads(ACCREDIBLE)["credentials"][0]  # Accredible's answer for one credential: hers
    single = CredentialImportUpload.objects.create(organization=org, source="accredible", file_name="one.json",
                                                   body=json.dumps({"credential": one}).encode(), uploaded_by=admin_user)
    rows_before = {o.row.number: (o.row.email, o.outcome, o.reason) for o in import_plan(
        organization=org, source="accredible", body=ACCREDIBLE, file_name="accredible.json").rows}
    subject = subject_find(organization_slug=org.slug, email=ANN)

    assert {p.name: p.count for p in learner_erase(subject=subject, dry_run=True).places}[
        "issuance_credentialimportupload"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        learner_erase(subject=subject, actor=admin_user)

    search.refresh_from_db()
    single.refresh_from_db()
    kept = bytes(search.body).decode()
    assert ANN not in kept and "Ann Lee" not in kept and "learner-1" not in kept
    assert ANN not in bytes(single.body).decode()
    others = [item for item in json.loads(kept)["credentials"] if item is not None]
    assert others == json.loads(ACCREDIBLE)["credentials"][1:]  # the others' items, as they were
    rows_after = {o.row.number: (o.row.email, o.outcome, o.reason) for o in import_plan(
        organization=org, source="accredible", body=bytes(search.body), file_name="accredible.json").rows}
    assert rows_after == {number: row for number, row in rows_before.items() if row[0] != ANN}  # numbers kept
    assert import_plan(organization=org, source="accredible", body=bytes(single.body), file_name="one.json").rows == []


def test_erasure_scrubs_the_originals_id_and_address_from_the_imports_audit_record_keeping_the_chain(
        imports, org, admin_user, django_capture_on_commit_callbacks):
    from audit.chain import audit_chain_verify
    from audit.models import AuditRecord

    original = "5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501"  # Ann's Credly badge: its id leads to her page there
    run_import("credly_issued_badges.csv", "--from", "credly", FIRE)
    drive_all()
    record = ImportedCredential.objects.get(original_id=original)
    assert AuditRecord.objects.filter(detail__contains=original).exists()

    with django_capture_on_commit_callbacks(execute=True):
        learner_erase(subject=subject_find(organization_slug=org.slug, email=ANN), actor=admin_user)

    assert not AuditRecord.objects.filter(detail__contains=original).exists()
    assert not AuditRecord.objects.filter(detail__contains="credly.com/badges/5d7a1c1e-0001").exists()
    opened = AuditRecord.objects.get(issuance=record.issuance, detail__startswith="Imported from Credly")
    assert f"credential [erased] {record.pk} ('First Aid', row 2 of credly_issued_badges.csv)" in opened.detail
    assert opened.redacted_by is not None and audit_chain_verify().intact
    others = AuditRecord.objects.filter(detail__contains="5d7a1c1e-0002-4c1a-9b1e-a1b2c3d4e502")  # Bo's: untouched
    assert others.exists() and all(r.redacted_by is None for r in others)
