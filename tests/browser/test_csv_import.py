"""A CSV import in a real browser: the columns and sample file, the per-row dry run, then the results."""

from decimal import Decimal

import pytest

from courses.models import RuleSetVersion
from courses.services import ruleset_version_publish
from issuance.intake.processing import completion_event_process
from issuance.models import CompletionEvent, Issuance
from tests.factories.courses import AchievementFactory, CourseFactory, RuleSetFactory
from tests.factories.issuance import SourceFactory, organization_with_templates
from tests.pipeline.conftest import drive, smtp  # noqa: F401  (smtp is a fixture)

COHORT = (
    "email,name,course,completed_at,score\n"
    "ana@example.org,Ana Lima,FA-101,2026-11-26T09:58:00Z,90\n"
    "bo@example.org,Bo Berg,FA-101,2026-11-26T10:05:00Z,62\n"
    ",No Email,FA-101,2026-11-26T10:10:00Z,95\n"
    "ana@example.org,Ana Lima,FA-101,2026-11-26T11:00:00Z,93\n"
)


@pytest.fixture
def source(db):
    org = organization_with_templates(name="Harbour Academy", slug="harbour")
    ruleset = RuleSetFactory(organization=org, name="Pass mark")
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(80)))
    achievement = AchievementFactory(organization=org, name="First Aid at Work")
    CourseFactory(organization=org, code="FA-101", title="First Aid at Work", achievement=achievement, ruleset=ruleset)
    return SourceFactory(organization=org, name="Spring cohort uploads")


def test_a_csv_import_from_dry_run_to_results(shots, superuser_page, source, smtp):  # noqa: F811
    page = superuser_page
    page.goto("/admin/issuance/completionevent/import/")
    columns = page.get_by_test_id("csv-columns")
    assert "completed_at" in columns.inner_text() and "optional" in columns.inner_text()
    sample = page.get_by_test_id("sample-csv").get_attribute("href")
    assert page.request.get(sample).text().startswith("email,name,course,completed_at")

    page.select_option("select[name=source]", str(source.pk))
    page.set_input_files("input[name=import_file]", {"name": "spring-cohort.csv", "mimeType": "text/csv",
                                                     "buffer": COHORT.encode()})
    page.get_by_role("button", name="Check the file (dry run)").click()
    page.wait_for_load_state()  # the preview's rows are read at once, not waited for one by one

    table = page.get_by_test_id("dry-run-table")
    rows = [[cell.strip() for cell in row.split("\t")] for row in table.locator("tbody tr").all_inner_texts()]
    assert [(r[0], r[3]) for r in rows] == [
        ("2", "Will be issued"), ("3", "Ineligible"), ("4", "Will be parked"), ("5", "Duplicate in this file"),
    ]
    assert "Your score was 62; this course requires 80." in rows[1][4]
    assert "email is missing" in rows[2][4]
    assert "Same learner and course as row 2" in rows[3][4]
    parked = table.locator("tr.laurel-outcome--parked td").nth(3)
    assert parked.evaluate("cell => getComputedStyle(cell).color") == "rgb(180, 35, 24)"  # red, never "New" in green
    assert "New" not in table.inner_text()
    assert "1 will be issued, 1 ineligible, 1 will be parked, 1 duplicate in this file" in page.get_by_test_id("dry-run-summary").inner_text()
    assert CompletionEvent.objects.count() == 0
    page.screenshot(path=str(shots / "csv-import-dry-run.png"), full_page=True)

    page.get_by_role("button", name="Confirm import").click()
    page.get_by_test_id("import-summary").wait_for()
    assert "4 rows imported from spring-cohort.csv" in page.get_by_test_id("import-summary").inner_text()
    assert "still deciding 4 of 4 rows (0% done)" in page.get_by_test_id("import-summary").inner_text()

    for event in CompletionEvent.objects.filter(channel="csv"):  # the worker's part, in this process
        completion_event_process(event_id=event.pk)
    for issuance in Issuance.objects.all():
        drive(issuance)
    page.reload()

    summary = page.get_by_test_id("import-summary").inner_text()
    assert "1 issued, 1 ineligible, 1 duplicate, 1 parked" in summary
    issued = Issuance.objects.get(learner__email="ana@example.org", state=Issuance.State.SYNCED)
    link = page.get_by_test_id("import-results").locator(f"a[href$='/issuance/issuance/{issued.pk}/change/']")
    assert link.count() == 1
    page.screenshot(path=str(shots / "csv-import-results.png"), full_page=True)
    link.click()
    assert str(issued.pk) in page.url
