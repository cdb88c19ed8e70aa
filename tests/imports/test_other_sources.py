"""Accredible (CSV and its API's JSON), Badgr / Canvas Credentials assertions and a list of Open Badges 2.0
assertion URLs fetched through the outgoing guard from a host on 127.0.0.1."""

from datetime import datetime, timezone

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError

from issuance.models import CredentialImportUpload, ImportedCredential, Issuance
from stand_ins.ob2_host import HostedBadges
from tests.factories.issuance import LearnerFactory

from .conftest import drive_all, run_import
from .test_admin import ADD, review_url, staff


def test_it_reads_an_accredible_csv_export_and_refuses_an_expiry_before_the_issue(imports):
    out = run_import("accredible_credentials.csv", "--from", "accredible", "--dry-run").splitlines()

    assert out[1:] == [
        "  row 2: import: ann@learners.example First Aid (10000001) → FA-101, issued 2025-04-10, expires 2028-04-10",
        "  row 3: import: bo@learners.example Fire Safety (10000002) → FS-101, issued 2025-05-20, no expiry",
        "  row 4: bad: cy@learners.example First Aid (10000003): expiry date 2025-05-01 is not after the issued date 2025-05-21",
        "  row 5: skipped: dee@learners.example First Aid (10000004): unpublished on Accredible (approve is false)",
        "4 row(s): 2 to import, 0 duplicate(s), 1 skipped, 1 bad. Would email no learner.",
    ]


def test_it_reads_accredibles_api_json_and_counts_the_same_credential_from_its_csv_as_a_duplicate(imports):
    run_import("accredible_credentials.csv", "--from", "accredible")

    out = run_import("accredible_credentials.json", "--from", "accredible", "--dry-run").splitlines()

    assert out[1].startswith("  row 1: duplicate: ann@learners.example First Aid (10000001): already imported on ")
    assert out[2].startswith("  row 2: duplicate: bo@learners.example Fire Safety (10000002): already imported on ")
    assert out[3] == ("  row 3: bad: new@learners.example First Aid (10000005): no name for new@learners.example: the file "
                      "gives none and the organisation has no learner at that address yet")


def test_it_reads_badgr_assertions_with_names_from_their_badge_classes_or_mapped_by_id(imports, org):
    LearnerFactory(organization=org, email="bo@learners.example", name="Bo Chan")

    out = run_import("badgr_assertions.json", "--from", "badgr", "--map", "bcFireSafe02=FS-101")
    issued = {i.learner.email: i for i in drive_all()}

    assert out.splitlines() == [
        "row 3: bad: ? First Aid (https://api.badgr.io/public/assertions/asCy0003): the recipient's email is hashed "
        "and the file has no plaintextIdentity for it",
        "row 4: skipped: dee@learners.example First Aid (https://api.badgr.io/public/assertions/asDee0004): "
        "revoked on Badgr: Issued in error",
        "Imported 2 credential(s) from Badgr / Canvas Credentials (badgr_assertions.json); 0 duplicate(s), 1 skipped, "
        "1 bad row(s); no learner is emailed.",
    ]
    ann = issued["ann@learners.example"]
    assert ann.state == Issuance.State.SYNCED and ann.learner_name == "Ann Lee"
    assert issued["bo@learners.example"].learner_name == "Bo Chan"  # the name Laurel already knew
    badge = ann.credential.badge
    assert badge["credentialSubject"]["achievement"]["related"] == [
        {"id": "https://api.badgr.io/public/badges/bcFirstAid01", "type": ["Related"]}]
    assert badge["evidence"][0]["id"] == "https://api.badgr.io/public/assertions/asAnn0001"


@pytest.fixture
def host(settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True  # the host is on 127.0.0.1, as tests must be
    with HostedBadges() as host:
        yield host


def test_it_fetches_each_ob2_assertion_through_the_guard_checking_a_hashed_recipient(imports, host, tmp_path):
    first_aid = host.badge_class("fa", "First Aid")
    ann = host.assertion("a1", email="ann@learners.example", badge=first_aid, issued_on="2025-02-03T04:05:06Z",
                         expires="2029-02-03T04:05:06Z")
    bo = host.assertion("b2", email="bo@learners.example", badge=first_aid, issued_on="2025-02-04", hashed=False)
    wrong = host.assertion("c3", email="cy@learners.example", badge=first_aid, issued_on="2025-02-05")
    revoked = host.assertion("d4", email="dee@learners.example", badge=first_aid, issued_on="2025-02-06")
    host.gone.add("/public/assertions/d4")
    path = tmp_path / "assertions.txt"
    path.write_text(f"# exported from the old platform\n{ann},ann@learners.example,Ann Lee\n{bo},,Bo Chan\n"
                    f"{wrong},eve@learners.example,Eve Fox\n{revoked},dee@learners.example,Dee Eke\n"
                    f"{host.url}/public/assertions/missing,fay@learners.example,Fay Gold\nnot a url\n")

    out = run_import(path, "--from", "ob2")
    issued = {i.learner.email: i for i in drive_all()}

    assert out.splitlines()[:-1] == [
        f"row 4: bad: eve@learners.example First Aid ({wrong}): eve@learners.example is not the assertion's recipient "
        "(its hashed identity does not match)",
        f"row 5: skipped: dee@learners.example ? ({revoked}): revoked by its issuer",
        f"row 6: bad: fay@learners.example ? ({host.url}/public/assertions/missing): {host.url}/public/assertions/missing "
        "answered HTTP 404",
        "row 7: bad: ? ? (not a url): 'not a url' is not an assertion URL",
    ]
    assert sorted(issued) == ["ann@learners.example", "bo@learners.example"]
    credential = issued["ann@learners.example"].credential
    assert credential.issued_at == datetime(2025, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    assert credential.valid_until == datetime(2029, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    assert credential.badge["credentialSubject"]["achievement"]["related"][0]["id"] == first_aid
    assert ImportedCredential.objects.get(learner__email="ann@learners.example").original_url == ann
    assert {r["path"] for r in host.calls("GET")} >= {"/public/assertions/a1", "/public/badges/fa"}


def test_it_refuses_ob2_urls_on_private_addresses_unless_allowed(imports, tmp_path, settings):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    path = tmp_path / "assertions.txt"
    path.write_text("http://127.0.0.1:9/public/assertions/a1,ann@learners.example,Ann Lee\n")

    out = run_import(path, "--from", "ob2", "--dry-run")

    assert "row 1: bad: ann@learners.example ? (http://127.0.0.1:9/public/assertions/a1): Refused " in out
    assert "only https:// URLs with a host name may be called" in out


def test_it_refuses_a_file_that_is_not_what_the_source_writes(imports, tmp_path):
    path = tmp_path / "nonsense.json"
    path.write_text('{"hello": "world"}')
    with pytest.raises(CommandError, match=r"Expected Badgr assertions: \{\"result\": \[...\]\}"):
        run_import(path, "--from", "badgr", "--dry-run")
    path.write_bytes(b"\xff\xfe id,email")
    with pytest.raises(CommandError, match="The file is not UTF-8 text"):
        run_import(path, "--from", "credly", "--dry-run")


def test_an_ob2_list_is_fetched_once_for_its_dry_run_its_views_and_its_import(imports, host, client, org, tmp_path):
    first_aid = host.badge_class("fa", "First Aid")
    ann = host.assertion("a1", email="ann@learners.example", badge=first_aid, issued_on="2025-02-03")
    bo = host.assertion("b2", email="bo@learners.example", badge=first_aid, issued_on="2025-02-04", hashed=False)
    path = tmp_path / "assertions.txt"
    path.write_text(f"{ann},ann@learners.example,Ann Lee\n{bo},,Bo Chan\n")

    run_import(path, "--from", "ob2")  # the command plans, then imports: one run asks each address once
    assert sorted(r["path"] for r in host.calls("GET")) == ["/public/assertions/a1", "/public/assertions/b2",
                                                           "/public/badges/fa"]
    assert ImportedCredential.objects.count() == 2

    host.requests.clear()
    fire = host.badge_class("fs", "Fire Safety")
    cy = host.assertion("c3", email="cy@learners.example", badge=fire, issued_on="2025-03-04")
    dee = host.assertion("d4", email="dee@learners.example", badge=fire, issued_on="2025-03-05", hashed=False)
    listed = f"{cy},cy@learners.example,Cy Dunn\n{dee},,Dee Eke\n".encode()
    operator = staff(client, org, "operator")
    operator.post(ADD, {"organization": org.pk, "source": "ob2", "column_names": "",
                        "file": SimpleUploadedFile("assertions.txt", listed, content_type="text/plain")})
    row = CredentialImportUpload.objects.get()
    first = operator.get(review_url(row)).content.decode()
    operator.post(review_url(row), {"step": "map", "badges": "1", "badge-0": fire, "course-0": "FS-101"})
    shown = operator.get(review_url(row)).content.decode()
    host.documents.pop("/public/assertions/d4")  # gone from the host since: the import acts on what the dry run showed
    done = operator.post(review_url(row), {"step": "import", "expected": "2"})

    assert "Fire Safety" in first and "2 row(s): 2 to import" in shown
    assert done.status_code == 302 and ImportedCredential.objects.count() == 4
    assert sorted(r["path"] for r in host.calls("GET")) == ["/public/assertions/c3", "/public/assertions/d4",
                                                           "/public/badges/fs"]
    assert set(CredentialImportUpload.objects.get().fetched) == {cy, dee, fire}
