"""A programme's backfill and a learner's programme progress, in a real browser as staff see them."""

import pytest

from courses.programmes import programme_create
from issuance.models import Learner, ProgrammeAward
from tests.factories.courses import AchievementFactory, CourseFactory
from tests.factories.issuance import organization_with_templates
from tests.pipeline.conftest import complete, drive, smtp  # noqa: F401  (smtp is a fixture)


@pytest.fixture
def satisfied(db, smtp):  # noqa: F811
    org = organization_with_templates(name="Harbour Academy", slug="harbour")
    courses = {code: CourseFactory(organization=org, code=code, title=title,
                                   achievement=AchievementFactory(organization=org, name=title))
               for code, title in [("FA-101", "First Aid"), ("FS-101", "Fire Safety"), ("MH-101", "Manual Handling")]}
    for email in ("ann@learners.example", "bo@learners.example"):
        for course in courses.values():
            drive(complete(course, email=email))
    drive(complete(courses["FA-101"], email="cy@learners.example"))
    return programme_create(organization=org, code="WSO", name="Workplace Safety Officer",
                            constituents=[c.achievement for c in courses.values()])


def test_staff_review_the_backfill_then_award_it(shots, superuser_page, satisfied):
    page, programme = superuser_page, satisfied
    page.goto(f"/admin/courses/programme/{programme.pk}/change/")
    page.get_by_role("link", name="Backfill: award it to the learners who already satisfy it").click()
    assert "2 learners satisfy programme WSO" in page.get_by_test_id("backfill-count").inner_text()
    assert page.get_by_test_id("backfill-learners").inner_text().split("\n") == ["ann@learners.example", "bo@learners.example"]
    page.screenshot(path=str(shots / "programme-backfill.png"), full_page=True)

    page.get_by_test_id("backfill-confirm").click()
    assert "Programme WSO: opened 2 issuances; no learner is emailed." in page.locator(".messagelist").inner_text()
    assert ProgrammeAward.objects.filter(programme=programme).count() == 2

    page.goto(f"/admin/issuance/learner/{Learner.objects.get(email='cy@learners.example').pk}/change/")
    assert "1 of 3 done: Fire Safety, Manual Handling remain." in page.get_by_test_id("learner-programmes").inner_text()
    page.screenshot(path=str(shots / "learner-history-programmes.png"), full_page=True)
