"""A Credly issued-badges export: a dry run with every row's outcome and the counts, then the import, which
re-issues each row through the pipeline dated as on Credly, once."""

from datetime import datetime, timezone

import pytest
from django.core.management import CommandError

from audit.models import AuditRecord
from issuance.models import Credential, ImportedCredential, Issuance

from .conftest import drive_all, run_import

CREDLY = ("credly_issued_badges.csv", "--from", "credly")
MAP = ("--map", "Fire Safety Awareness=FS-101")


def test_it_gives_every_rows_outcome_and_the_counts_in_a_dry_run_and_writes_nothing(imports):
    out = run_import(*CREDLY, *MAP, "--dry-run").splitlines()

    assert out[0] == "Dry run of credly_issued_badges.csv (Credly) into Harbour Academy:"
    assert out[1:] == [
        "  row 2: import: ann@learners.example First Aid (5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501) → FA-101, "
        "issued 2025-03-04, expires 2028-03-04",
        "  row 3: import: bo@learners.example Fire Safety Awareness (5d7a1c1e-0002-4c1a-9b1e-a1b2c3d4e502) → FS-101, "
        "issued 2025-06-01, no expiry",
        "  row 4: import: cy@learners.example First Aid (5d7a1c1e-0003-4c1a-9b1e-a1b2c3d4e503) → FA-101, "
        "issued 2021-01-10, expired 2022-01-10 (imported as expired, not emailed)",
        "  row 5: skipped: dee@learners.example First Aid (5d7a1c1e-0004-4c1a-9b1e-a1b2c3d4e504): revoked on Credly",
        "  row 6: bad: ann@learners.example Advanced Rigging (5d7a1c1e-0005-4c1a-9b1e-a1b2c3d4e505): no course for the "
        "badge 'Advanced Rigging': map it (--map cfaf2910-0000-4000-8000-0000000r1601=COURSE_CODE), or name a course "
        "exactly like it",
        "  row 7: bad: not-an-email First Aid (5d7a1c1e-0006-4c1a-9b1e-a1b2c3d4e506): 'not-an-email' is not an email address",
        "  row 8: bad: eve@learners.example Fire Safety Awareness (5d7a1c1e-0007-4c1a-9b1e-a1b2c3d4e507): issued date "
        "'2025-13-01 09:00:00 +0000' is not a date (expected e.g. 2024-11-14 or 2024-11-14T10:02:03Z).",
        "  row 9: duplicate: ann@learners.example First Aid (5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501): the same credential as row 2",
        "8 row(s): 3 to import, 1 duplicate(s), 1 skipped, 3 bad. Would email no learner.",
    ]
    assert not Issuance.objects.exists() and not ImportedCredential.objects.exists()


def test_it_imports_each_good_row_once_dated_and_expiring_as_on_credly_and_emails_nobody(imports, smtp):
    out = run_import(*CREDLY, *MAP)
    issued = {i.learner.email: i for i in drive_all()}

    assert out.splitlines()[-1] == ("Imported 3 credential(s) from Credly (credly_issued_badges.csv); 1 duplicate(s), "
                                    "1 skipped, 3 bad row(s); no learner is emailed.")
    assert "row 6: bad: ann@learners.example Advanced Rigging" in out
    assert sorted(issued) == ["ann@learners.example", "bo@learners.example", "cy@learners.example"]
    assert all(i.state == Issuance.State.SYNCED for i in issued.values()), [(i.state, i.error) for i in issued.values()]
    ann = issued["ann@learners.example"].credential
    assert ann.issued_at == ann.valid_from == datetime(2025, 3, 4, 14, 41, tzinfo=timezone.utc)
    assert ann.valid_until == datetime(2028, 3, 4, 14, 41, tzinfo=timezone.utc)
    assert issued["bo@learners.example"].credential.valid_until is None  # no expiry on Credly: none here either
    assert issued["bo@learners.example"].course.code == "FS-101"
    assert ann.pdf and ann.badge["validFrom"] == "2025-03-04T14:41:00Z"
    assert ann.badge["evidence"] == [{
        "type": ["Evidence"], "id": "https://www.credly.com/badges/5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501",
        "name": "Originally issued on Credly", "genre": "Imported credential",
        "description": ann.badge["evidence"][0]["description"]}]
    assert ann.badge["evidence"][0]["description"].startswith(
        "Credly credential 5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501 (First Aid), issued 2025-03-04, expiring 2028-03-04;")
    cy = issued["cy@learners.example"].credential
    assert cy.valid_until == datetime(2022, 1, 10, 8, tzinfo=timezone.utc) and cy.badge["validUntil"] == "2022-01-10T08:00:00Z"
    assert not smtp.messages
    trail = " ".join(AuditRecord.objects.filter(issuance=issued["ann@learners.example"]).values_list("detail", flat=True))
    assert ("Imported from Credly by manage.py: credential 5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501 ('First Aid', row 2 of "
            "credly_issued_badges.csv) for ann@learners.example, issued 2025-03-04, expiring 2028-03-04; re-issued as FA-101.") in trail
    assert "Imported, dated as originally issued; the rules were not asked" in trail
    assert "Not emailed: staff chose to issue without emailing the learner." in trail
    assert AuditRecord.objects.filter(to_state="imported", detail__contains="Credential import from Credly").count() == 1
    assert ImportedCredential.objects.get(learner__email="ann@learners.example").row == 2

    again = run_import(*CREDLY, *MAP, "--dry-run")

    assert "row 2: duplicate: ann@learners.example First Aid (5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501): already imported on" in again
    assert again.splitlines()[-1] == "8 row(s): 0 to import, 4 duplicate(s), 1 skipped, 3 bad. Would email no learner."
    assert run_import(*CREDLY, *MAP).splitlines()[-1].startswith("Imported 0 credential(s)")
    assert Credential.objects.count() == 3


def test_it_maps_by_badge_id_as_well_as_by_name_and_refuses_an_unknown_course_code(imports):
    out = run_import(*CREDLY, "--map", "cfaf2910-0000-4000-8000-00000000f501=MH-101", "--dry-run")
    assert "row 3: import: bo@learners.example Fire Safety Awareness (5d7a1c1e-0002-4c1a-9b1e-a1b2c3d4e502) → MH-101" in out

    unmapped = run_import(*CREDLY, "--dry-run")
    assert ("row 3: bad: bo@learners.example Fire Safety Awareness (5d7a1c1e-0002-4c1a-9b1e-a1b2c3d4e502): no course "
            "for the badge 'Fire Safety Awareness': map it (--map cfaf2910-0000-4000-8000-00000000f501=COURSE_CODE)") in unmapped

    with pytest.raises(CommandError, match="Harbour Academy has no course with the code XX-9."):
        run_import(*CREDLY, "--map", "First Aid=XX-9", "--dry-run")
    with pytest.raises(CommandError, match="--map 'First Aid': write SOURCE_BADGE=COURSE_CODE"):
        run_import(*CREDLY, "--map", "First Aid", "--dry-run")


def test_it_emails_learners_only_when_staff_choose_it_and_above_the_gate_only_with_the_exact_count(imports, smtp, monkeypatch):
    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "1")
    assert run_import(*CREDLY, *MAP, "--notify", "learners", "--dry-run").splitlines()[-1].endswith(
        "Would email 2 learner(s).")  # cy's expired one is never emailed

    with pytest.raises(CommandError, match=r"This would email 2 learners, more than LAUREL_BULK_CONFIRM_OVER \(1\): "
                                           r"nothing was sent\. .*Run again with --yes-send 2 to import it\."):
        run_import(*CREDLY, *MAP, "--notify", "learners")
    with pytest.raises(CommandError, match="This would email 2 learners, not 3: nothing was sent."):
        run_import(*CREDLY, *MAP, "--notify", "learners", "--yes-send", "3")
    assert not Issuance.objects.exists()

    out = run_import(*CREDLY, *MAP, "--notify", "learners", "--yes-send", "2")
    drive_all()

    assert out.splitlines()[-1].endswith("; 2 learner(s) will be emailed.")
    assert [len(smtp.to(e)) for e in ("ann@learners.example", "bo@learners.example", "cy@learners.example")] == [1, 1, 0]
    assert smtp.to("ann@learners.example")[0]["Subject"] == "Your certificate for First Aid"


def test_it_refuses_a_file_without_the_columns_it_needs_naming_them(imports, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Email Address,Badge,Date\nann@learners.example,First Aid,2025-01-01\n")

    with pytest.raises(CommandError, match=r"No column for original_id: looked for 'id' or 'badge_id'; the file's columns "
                                           r"are 'Email Address', 'Badge', 'Date'\."):
        run_import(path, "--from", "credly", "--dry-run")


def test_its_column_names_can_be_configured_for_an_export_whose_headers_differ(imports, tmp_path, monkeypatch):
    path = tmp_path / "renamed.csv"
    path.write_text("Badge ID,Email Address,Recipient,Badge,Issued\nb-1,ann@learners.example,Ann Lee,First Aid,2025-01-01\n")
    monkeypatch.setenv("LAUREL_IMPORT_COLUMNS", '{"credly": {"original_id": "Badge ID", "email": "Email Address", '
                                                '"name": "Recipient", "badge_name": "Badge", "issued_at": "Issued"}}')

    out = run_import(path, "--from", "credly", "--dry-run")

    assert "row 2: import: ann@learners.example First Aid (b-1) → FA-101, issued 2025-01-01, no expiry" in out
