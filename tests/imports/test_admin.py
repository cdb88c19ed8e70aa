"""The import in the admin: upload, map each badge to a course (suggested by name), the dry run with counts and
every row's outcome, then the import; each organisation's staff see and import only their own."""

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from issuance.models import CredentialImportUpload, Credential, Issuance
from tests.factories.courses import member
from tests.factories.issuance import organization_with_templates

from .conftest import SAMPLES, drive_all

ADD = reverse("admin:issuance_credentialimportupload_add")


def staff(client, org, role, username="staff"):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "correct horse battery staple",
                                                is_staff=True)
    member(user, org, role)
    client.force_login(user)
    return client


def upload(client, org, name="credly_issued_badges.csv", source="credly", columns=""):
    data = {"organization": org.pk, "source": source, "column_names": columns,
            "file": SimpleUploadedFile(name, (SAMPLES / name).read_bytes(), content_type="text/csv")}
    return client.post(ADD, data)


def review_url(upload_row):
    return reverse("admin:issuance_credentialimportupload_review", args=[upload_row.pk])


def test_staff_upload_map_by_the_suggested_name_see_the_dry_run_and_import(imports, client, org, smtp):
    operator = staff(client, org, "operator")

    answer = upload(operator, org)
    row = CredentialImportUpload.objects.get()
    assert answer.status_code == 302 and answer["Location"] == review_url(row)
    page = operator.get(review_url(row)).content.decode()
    # Step 1 only: each badge with its suggestion, no dry run before the mapping is saved.
    assert "First Aid" in page and "same name" in page
    assert "suggested: close to “Fire Safety”" in page
    assert "no course by that name" in page  # Advanced Rigging
    assert 'data-testid="import-rows"' not in page

    badges = ["cfaf2910-0000-4000-8000-00000000f501", "cfaf2910-0000-4000-8000-00000000fa01",
              "cfaf2910-0000-4000-8000-0000000r1601"]
    mapped = operator.post(review_url(row), {"step": "map", "badges": "3", "badge-0": badges[0], "course-0": "FS-101",
                                             "badge-1": badges[1], "course-1": "FA-101", "badge-2": badges[2], "course-2": ""})
    page = mapped.content.decode()
    assert "8 row(s): 3 to import, 1 duplicate(s), 1 skipped, 3 bad." in page
    assert "revoked on Credly" in page and "&#x27;not-an-email&#x27; is not an email address" in page
    assert "expired 2022-01-10 (imported as expired, not emailed)" in page
    assert not Issuance.objects.exists()

    done = operator.post(review_url(row), {"step": "import", "expected": "3"})
    drive_all()

    assert done.status_code == 302
    summary = operator.get(done["Location"])
    assert summary.status_code == 200 and "Imported 3 credential(s) from Credly" in summary.content.decode()
    row.refresh_from_db()
    assert row.imported_at and row.summary.startswith("Imported 3 credential(s) from Credly")
    assert Credential.objects.filter(issuance__course__code="FS-101", learner__email="bo@learners.example").exists()
    assert not smtp.messages
    credential = Credential.objects.get(learner__email="ann@learners.example")
    shown = operator.get(reverse("admin:issuance_credential_change", args=[credential.pk])).content.decode()
    assert "Imported from Credly on" in shown and "row 2 of credly_issued_badges.csv, by staff" in shown
    listed = operator.get(reverse("admin:issuance_credential_changelist") + "?imported=yes").content.decode()
    assert listed.count(">imported from Credly</span>") == 3
    again = operator.post(review_url(row), {"step": "import", "expected": "0"}).content.decode()
    assert "This file was imported already: upload it again to import what has changed." in again


def test_the_import_confirms_the_rows_shown_and_the_bulk_gate_the_exact_count(imports, client, org, smtp, monkeypatch):
    operator = staff(client, org, "operator")
    upload(operator, org, "accredible_credentials.csv", "accredible")
    row = CredentialImportUpload.objects.get()
    operator.post(review_url(row), {"step": "map", "badges": "0"})
    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "1")

    moved = operator.post(review_url(row), {"step": "import", "expected": "3"}).content.decode()
    assert "2 row(s) would import now, not the 3 shown: nothing was imported." in moved
    gated = operator.post(review_url(row), {"step": "import", "expected": "2", "notify": "learners"}).content.decode()
    assert "This would email 2 learners, more than LAUREL_BULK_CONFIRM_OVER (1): nothing was sent." in gated
    assert not Issuance.objects.exists()

    operator.post(review_url(row), {"step": "import", "expected": "2", "notify": "learners", "confirm_count": "2"})
    drive_all()

    assert [len(smtp.to(e)) for e in ("ann@learners.example", "bo@learners.example")] == [1, 1]


def test_each_organisation_sees_and_imports_only_its_own(imports, client, org):
    other = organization_with_templates(name="Other Academy", slug="other")
    operator = staff(client, org, "operator")
    upload(operator, org)
    row = CredentialImportUpload.objects.get()
    operator.post(review_url(row), {"step": "map", "badges": "1", "badge-0": "cfaf2910-0000-4000-8000-00000000f501",
                                    "course-0": "FS-101"})

    outsider = staff(client, other, "owner", username="outsider")
    assert outsider.get(review_url(row)).status_code == 404
    assert outsider.post(review_url(row), {"step": "import", "expected": "3"}).status_code == 404
    assert "credly_issued_badges.csv" not in outsider.get(reverse("admin:issuance_credentialimportupload_changelist")).content.decode()
    refused = upload(outsider, org)  # an organisation they do not belong to is not a choice
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    page = outsider.get(ADD).content.decode()
    assert "Other Academy" in page and "Harbour Academy" not in page

    viewer = staff(client, org, "viewer", username="viewer")
    shown = viewer.get(review_url(row)).content.decode()
    assert "8 row(s): 3 to import" in shown and 'data-testid="import-confirm"' not in shown
    assert "Importing needs the permission to issue credentials in Harbour Academy." in shown
    viewer.post(review_url(row), {"step": "import", "expected": "3"})
    assert not Issuance.objects.exists()
    assert viewer.get(ADD).status_code == 403


def test_an_unreadable_file_or_mapping_is_refused_saying_why_never_a_500(imports, client, org, tmp_path):
    operator = staff(client, org, "operator")
    answer = operator.post(ADD, {"organization": org.pk, "source": "badgr", "column_names": "",
                                 "file": SimpleUploadedFile("x.json", b'{"hello": 1}')})
    assert answer.status_code == 200
    assert "Expected Badgr assertions" in answer.content.decode()
    bad_columns = operator.post(ADD, {"organization": org.pk, "source": "credly", "column_names": "mail=Email",
                                      "file": SimpleUploadedFile("x.csv", b"id\n1\n")})
    assert "&#x27;mail=Email&#x27;: write field=Column header" in bad_columns.content.decode()
    assert not CredentialImportUpload.objects.exists()
    # A hand-made mapping post (no count, a course the organisation lacks) saves nothing and answers the page.
    upload(operator, org)
    row = CredentialImportUpload.objects.get()
    odd = operator.post(review_url(row), {"step": "map", "badges": "lots", "badge-0": "x"})
    assert odd.status_code == 200 and not CredentialImportUpload.objects.get().mapping
    odd = operator.post(review_url(row), {"step": "map", "badges": "2", "course-0": "FA-101", "badge-1": "First Aid",
                                          "course-1": "NOT-A-COURSE"})
    assert odd.status_code == 200 and not CredentialImportUpload.objects.get().mapping
