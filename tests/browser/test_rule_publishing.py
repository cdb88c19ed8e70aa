"""Publishing a rule version in a real browser: the draft decides nothing until it is published."""

from decimal import Decimal

import pytest

from courses.models import RuleSetVersion
from courses.services import ruleset_version_publish
from issuance.models import Issuance
from tests.factories.courses import AchievementFactory, CourseFactory, RuleSetFactory
from tests.factories.issuance import organization_with_templates
from tests.pipeline.conftest import complete, drive, smtp  # noqa: F401  (smtp is a fixture)



@pytest.fixture
def course(db):
    org = organization_with_templates(name="Harbour Academy", slug="harbour")
    ruleset = RuleSetFactory(organization=org, name="First Aid pass mark")
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(80)))
    return CourseFactory(organization=org, code="FA-101", title="First Aid at Work", ruleset=ruleset,
                         achievement=AchievementFactory(organization=org, name="First Aid at Work"))


def test_a_new_version_is_a_draft_until_published(shots, superuser_page, course, smtp):  # noqa: F811
    page = superuser_page
    live = course.ruleset.current_version
    page.goto(f"/admin/courses/rulesetversion/{live.pk}/change/")
    assert "v1 is live" in page.get_by_test_id("version-status").inner_text()
    page.get_by_role("button", name="Edit as a new version").click()
    assert "Created First Aid pass mark v2 as a draft" in page.locator(".messagelist").inner_text()

    page.fill("input[name=min_score]", "60")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    status = page.get_by_test_id("version-status").inner_text()
    assert "v2 is a draft" in status and "Minimum score: 80% → 60%." in status
    assert "Live now: First Aid pass mark v1" in status
    page.screenshot(path=str(shots / "rule-version-draft.png"), full_page=False)

    assert drive(complete(course, email="bo@example.org", score=70)).state == Issuance.State.INELIGIBLE  # v1 decides

    page.fill("input[name=min_score]", "65")  # typed, not saved: "Save and publish" keeps it (walk-through M1)
    page.get_by_role("button", name="Save and publish v2").click()
    assert "Minimum score: 65%." in page.get_by_test_id("requirements").inner_text()
    page.screenshot(path=str(shots / "rule-version-publish-confirm.png"), full_page=False)
    page.get_by_role("button", name="Publish First Aid pass mark v2").click()
    assert "Published First Aid pass mark v2" in page.locator(".messagelist").inner_text()
    assert "v2 is live" in page.get_by_test_id("version-status").inner_text()
    issuance = drive(complete(course, email="cy@example.org", score=70))
    assert issuance.state == Issuance.State.SYNCED and issuance.ruleset_version.number == 2
    assert issuance.ruleset_version.min_score == 65
