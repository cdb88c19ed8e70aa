"""A polled source whose credentials stopped working, as staff see it in the admin: parked, why, what to do."""

import pytest

from audit.models import AuditRecord
from issuance.intake.polling import source_poll
from issuance.models import SourcePoll
from issuance.sources.configure import source_configure
from tests.factories.courses import CourseFactory
from tests.factories.issuance import organization_with_templates
from stand_ins.lms import CanvasRestServer

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_parked_polled_source_shows_its_status_and_can_be_resumed(superuser_page, settings, tmp_path):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = True
    org = organization_with_templates(name="Harbour Academy", slug="harbour")
    CourseFactory(organization=org, code="SAF-101", title="Safety 101")
    canvas = CanvasRestServer(token="the-right-token").start()
    try:
        canvas.enrol("42", 777, email="ana@example.org", name="Ana Lima", completed_at="2026-01-05T09:58:59Z", final_score=88.0)
        source, _ = source_configure(organization_slug="harbour", slug="harbour-canvas", dialect="canvas", name="Harbour Canvas",
                                     settings={"canvas_url": canvas.url, "api_token": "an-expired-token"}, mappings={"42": "SAF-101"})
        source_poll(source=source)
    finally:
        canvas.stop()
    page = superuser_page

    page.goto("/admin/issuance/source/")
    assert "every 15 min · Parked" in page.content()
    page.goto(f"/admin/issuance/source/{source.pk}/change/")
    polling = page.locator("fieldset", has_text="Polling status")
    assert "Invalid access token" in polling.inner_text() and "Resume polling" in polling.inner_text()
    assert page.get_by_role("button", name="Resume polling").is_visible()  # on the source's own page, too
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # the intake URL fits its column
    polling.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "source-polling.png"), full_page=False)

    page.goto("/admin/issuance/source/")
    page.check(f"input[name=_selected_action][value='{source.pk}']")  # unfold's action bar appears with a row selected
    page.get_by_label("Select action to run").select_option(label="Resume polling (after fixing credentials)")
    page.get_by_role("button", name="Run", exact=True).click()
    assert "Polling resumes for 1 source(s)" in page.locator(".messagelist").inner_text()
    assert SourcePoll.objects.get(source=source).status == SourcePoll.Status.IDLE
    [record] = AuditRecord.objects.filter(to_state="polling idle")  # who resumed it, and after what
    assert (record.from_state, record.actor_kind, record.organization_id) == ("polling parked", "staff", source.organization_id)
    assert "Invalid access token" in record.detail and record.actor_user.is_superuser
    page.goto(f"/admin/issuance/source/{source.pk}/change/")
    assert page.get_by_role("button", name="Resume polling").count() == 0  # nothing left to resume
