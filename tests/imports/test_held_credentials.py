"""An import meeting a credential the learner already holds live (docs/import.md, "A learner who already holds
it"): the dry run says, per row, whether the original renews it or is recorded beside it, and the import does that."""

from datetime import datetime, timezone

from audit.models import AuditRecord
from issuance.models import Credential, Issuance
from tests.pipeline.conftest import complete, drive

from .conftest import drive_all, run_import

CREDLY = ("credly_issued_badges.csv", "--from", "credly", "--map", "Fire Safety Awareness=FS-101")
ANN = "ann@learners.example First Aid (5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501)"
Status = Credential.Status


def _held(course, email="ann@learners.example", **dates) -> Credential:
    credential = drive(complete(course, email=email)).credential
    if dates:
        Credential.objects.filter(pk=credential.pk).update(**dates)
        credential.refresh_from_db()
    return credential


def _imported(email) -> Credential:
    return Credential.objects.get(learner__email=email, issuance__imported__isnull=False)


def test_it_keeps_a_more_recent_live_credential_as_is_and_records_the_original_beside_it_without_emailing(imports, smtp):
    held = _held(imports["FA-101"])  # completed today: more recent than Credly's 2025-03-04
    emailed_before = len(smtp.to("ann@learners.example"))  # the completion's own email

    dry = run_import(*CREDLY, "--notify", "learners", "--dry-run")

    assert (f"row 2: import: {ANN} → FA-101, issued 2025-03-04, expires 2028-03-04: recorded beside the live First Aid "
            f"credential (issued {held.issued_at:%Y-%m-%d}, more recent), which is kept as is: imported as superseded "
            f"history, not emailed") in dry
    assert dry.splitlines()[-1] == ("8 row(s): 3 to import (1 recorded beside one), 1 duplicate(s), 1 skipped, 3 bad. "
                                    "Would email 1 learner(s).")

    out = run_import(*CREDLY, "--notify", "learners", "--yes-send", "1")
    drive_all()

    assert f"row 2: import: {ANN} → FA-101" in out and "recorded beside the live First Aid credential" in out
    held.refresh_from_db()
    assert held.status == Status.ACTIVE and held.status_reason == ""  # kept as is
    original = _imported("ann@learners.example")
    assert original.status == Status.SUPERSEDED and original.issued_at == datetime(2025, 3, 4, 14, 41, tzinfo=timezone.utc)
    assert original.status_reason.startswith("Imported, recorded beside the live First Aid credential")
    assert original.issuance.state == Issuance.State.SYNCED and original.pdf and original.badge
    assert len(smtp.to("ann@learners.example")) == emailed_before and len(smtp.to("bo@learners.example")) == 1
    assert "It is recorded beside the live First Aid credential" in " ".join(
        AuditRecord.objects.filter(issuance=original.issuance).values_list("detail", flat=True))


def test_it_renews_an_older_live_credential_with_a_later_original(imports):
    held = _held(imports["FA-101"], issued_at=datetime(2024, 1, 2, tzinfo=timezone.utc))

    dry = run_import(*CREDLY, "--dry-run")

    assert (f"row 2: import: {ANN} → FA-101, issued 2025-03-04, expires 2028-03-04: renews the live First Aid credential "
            f"(issued 2024-01-02), which becomes superseded") in dry
    assert "3 to import (1 renewing a live credential)" in dry

    run_import(*CREDLY)
    drive_all()

    held.refresh_from_db()
    renewed = _imported("ann@learners.example")
    assert held.status == Status.SUPERSEDED and renewed.status == Status.ACTIVE and renewed.replaces_id == held.pk
    assert renewed.issuance.state == Issuance.State.SYNCED
    assert f"renews {held.pk}" in " ".join(AuditRecord.objects.filter(issuance=renewed.issuance).values_list("detail", flat=True))


def test_it_records_an_expired_original_beside_a_live_credential_as_expired_history(imports):
    held = _held(imports["FA-101"], email="cy@learners.example")

    dry = run_import(*CREDLY, "--dry-run")

    assert ("row 4: import: cy@learners.example First Aid (5d7a1c1e-0003-4c1a-9b1e-a1b2c3d4e503) → FA-101, issued "
            "2021-01-10, expired 2022-01-10 (imported as expired, not emailed): recorded beside the live First Aid "
            f"credential (issued {held.issued_at:%Y-%m-%d}), which is kept as is: imported as expired history") in dry

    run_import(*CREDLY)
    drive_all()

    original = _imported("cy@learners.example")
    held.refresh_from_db()
    assert original.status == Status.EXPIRED and original.issuance.state == Issuance.State.SYNCED
    assert held.status == Status.ACTIVE


def test_it_never_lifts_a_suspension_and_records_a_later_original_beside_a_suspended_credential(imports):
    held = _held(imports["FA-101"], issued_at=datetime(2024, 1, 2, tzinfo=timezone.utc), status=Status.SUSPENDED)

    assert ("recorded beside the suspended First Aid credential (issued 2024-01-02), which is kept as is (an import "
            "does not lift a suspension)") in run_import(*CREDLY, "--dry-run")

    run_import(*CREDLY)
    drive_all()

    held.refresh_from_db()
    assert held.status == Status.SUSPENDED and _imported("ann@learners.example").status == Status.SUPERSEDED


def test_it_records_an_earlier_live_original_of_the_same_file_beside_the_later_one(imports, tmp_path):
    rows = (SAMPLE := (tmp_path / "two.csv"))
    lines = (run_import.__globals__["SAMPLES"] / "credly_issued_badges.csv").read_text().splitlines()
    earlier = lines[1].replace("0001-4c1a", "0009-4c1a").replace("2025-03-04 09:41:00 -0500", "2024-03-04 09:41:00 -0500")
    rows.write_text("\n".join([lines[0], earlier, lines[1]]) + "\n")

    dry = run_import(SAMPLE, "--from", "credly", "--dry-run")

    assert ("row 2: import: ann@learners.example First Aid (5d7a1c1e-0009-4c1a-9b1e-a1b2c3d4e501) → FA-101, issued "
            "2024-03-04, expires 2028-03-04: recorded beside row 3, a later FA-101 for this learner: imported as "
            "superseded history, not emailed") in dry

    run_import(SAMPLE, "--from", "credly")
    drive_all()

    statuses = dict(Credential.objects.values_list("issuance__imported__original_id", "status"))
    assert statuses == {"5d7a1c1e-0009-4c1a-9b1e-a1b2c3d4e501": Status.SUPERSEDED,
                        "5d7a1c1e-0001-4c1a-9b1e-a1b2c3d4e501": Status.ACTIVE}
