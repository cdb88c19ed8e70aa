"""The dashboard's "Why completions were not eligible" in a real browser (walk-through m6): one row per
cause, and a row opens the issuances of that cause in the organisation chosen at the top."""

import pytest

from issuance.models import Issuance
from tests.factories.courses import CourseFactory, OrganizationFactory
from tests.factories.issuance import IssuanceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_cause_row_opens_that_causes_issuances_in_the_chosen_organisation(superuser_page, shots):
    harbour = OrganizationFactory(name="Harbour Safety Training")
    course = CourseFactory(organization=harbour)
    other = CourseFactory(organization=OrganizationFactory(name="Northwind Training"))
    for score in (70, 60, 50):
        IssuanceFactory(course=course, state=Issuance.State.INELIGIBLE, reasons=[f"Your score was {score}; this course requires 75."])
    IssuanceFactory(course=course, state=Issuance.State.INELIGIBLE, reasons=["Your attendance was 60%; this course requires 100%."])
    IssuanceFactory(course=other, state=Issuance.State.INELIGIBLE, reasons=["Your score was 10; this course requires 75."])
    page = superuser_page
    page.goto("/admin/")
    page.get_by_label("Organisation").select_option(label="Harbour Safety Training")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    rows = page.get_by_test_id("ineligible-causes").locator("li")
    assert [" ".join(text.split()) for text in rows.all_inner_texts()] == [
        "Score below the pass mark 3", "Attendance below the minimum 1"]  # was a row per sentence: 4 rows
    rows.first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "dashboard-ineligible-causes.png"), full_page=False)
    rows.first.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("#result_list tbody tr").count() == 3  # Harbour's three, not Northwind's
    page.screenshot(path=str(shots / "dashboard-ineligible-score-list.png"), full_page=False)
