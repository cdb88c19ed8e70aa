"""A credential import in a real browser as staff do it: upload a Credly export, map the badges the page suggests,
read the dry run, import, and find the credentials marked imported."""

from django.contrib.auth.models import User

from tests.browser.conftest import STAFF_PASSWORD, sign_in
from tests.factories.courses import AchievementFactory, CourseFactory, member
from tests.factories.issuance import organization_with_templates
from tests.imports.conftest import SAMPLES
from tests.pipeline.conftest import smtp  # noqa: F401  (a fixture)


def test_staff_upload_map_dry_run_and_import_a_credly_export(shots, page, db, smtp):  # noqa: F811
    org = organization_with_templates(name="Harbour Academy", slug="harbour")
    for code, title in [("FA-101", "First Aid"), ("FS-101", "Fire Safety")]:
        CourseFactory(organization=org, code=code, title=title, achievement=AchievementFactory(organization=org, name=title))
    operator = User.objects.create_user("operator", "operator@harbour.example", STAFF_PASSWORD, is_staff=True)
    member(operator, org, "operator")
    sign_in(page, "operator")

    page.goto("/admin/")
    page.get_by_role("link", name="Import credentials").first.click()
    page.screenshot(path=str(shots / "credential-import-list.png"), full_page=True)
    page.goto("/admin/issuance/credentialimportupload/add/")
    page.select_option("select[name=source]", "credly")
    page.set_input_files("input[name=file]", str(SAMPLES / "credly_issued_badges.csv"))
    page.click("input[name=_save], button[name=_save]")
    mapping = page.get_by_test_id("import-mapping").inner_text()
    assert "suggested: close to “Fire Safety”" in mapping and "no course by that name" in mapping
    page.screenshot(path=str(shots / "credential-import-mapping.png"), full_page=True)

    page.get_by_test_id("import-save-mapping").click()
    assert page.get_by_test_id("import-counts").inner_text() == "8 row(s): 3 to import, 1 duplicate(s), 1 skipped, 3 bad."
    rows = page.get_by_test_id("import-rows").inner_text()
    assert "revoked on Credly" in rows and "'not-an-email' is not an email address" in rows
    page.screenshot(path=str(shots / "credential-import-dry-run.png"), full_page=True)

    page.get_by_test_id("import-confirm").click()
    assert "Imported 3 credential(s) from Credly (credly_issued_badges.csv)" in page.locator(".messagelist").inner_text()
    assert org.issuances.count() == 3  # opened; the worker issues them
    page.goto("/admin/issuance/issuance/?imported=yes")
    assert page.locator("#result_list tbody tr").count() == 3


def test_staff_see_a_held_credential_renewed_in_the_dry_run_then_delete_the_upload(shots, page, db, smtp):  # noqa: F811
    from datetime import datetime, timezone

    from issuance.models import Credential, CredentialImportUpload
    from tests.pipeline.conftest import complete, drive

    org = organization_with_templates(name="Harbour Academy", slug="harbour")
    first_aid = CourseFactory(organization=org, code="FA-101", title="First Aid",
                              achievement=AchievementFactory(organization=org, name="First Aid"))
    held = drive(complete(first_aid, email="ann@learners.example")).credential
    Credential.objects.filter(pk=held.pk).update(issued_at=datetime(2024, 1, 2, tzinfo=timezone.utc))
    operator = User.objects.create_user("operator", "operator@harbour.example", STAFF_PASSWORD, is_staff=True)
    member(operator, org, "operator")
    sign_in(page, "operator")
    page.goto("/admin/issuance/credentialimportupload/add/")
    page.select_option("select[name=source]", "credly")
    page.set_input_files("input[name=file]", str(SAMPLES / "credly_issued_badges.csv"))
    page.click("input[name=_save], button[name=_save]")
    page.get_by_test_id("import-save-mapping").click()

    assert "1 renewing a live credential" in page.get_by_test_id("import-counts").inner_text()
    assert page.get_by_test_id("import-held").first.inner_text() == (
        "renews the live First Aid credential (issued 2024-01-02), which becomes superseded")
    page.screenshot(path=str(shots / "credential-import-dry-run-held.png"), full_page=True)

    upload = CredentialImportUpload.objects.get()
    page.goto(f"/admin/issuance/credentialimportupload/{upload.pk}/change/")
    page.get_by_role("link", name="Delete this upload (its credentials stay)…").click()
    assert "It has imported no credential." in page.get_by_test_id("upload-delete-stays").inner_text()
    page.screenshot(path=str(shots / "credential-import-delete.png"), full_page=True)
    page.locator("form:has(input[name=post]) [type=submit]").click()
    assert not CredentialImportUpload.objects.exists()
