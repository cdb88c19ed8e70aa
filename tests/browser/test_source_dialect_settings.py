"""A new source in a real browser (walk-through m2): choosing the dialect opens its settings and puts the
others out of the way, the section says beforehand that polling will start, and the save that starts
it says so on the next page."""

import pytest

from issuance.models import Source
from tests.factories.courses import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def section(page, label):
    return page.locator("fieldset.laurel-dialect-settings", has_text=f"{label} settings")


def test_choosing_a_dialect_opens_its_settings_and_saving_says_polling_started(shots, superuser_page):
    OrganizationFactory(name="Harbour Academy", slug="harbour")
    page = superuser_page
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto("/admin/issuance/source/add/")
    page.select_option("select[name=dialect]", "moodle")
    moodle, canvas = section(page, "Moodle (local_webhooks plugin)"), section(page, "Canvas Live Events (signed)")
    assert page.get_by_label("Moodle URL").is_visible() and page.get_by_label("Web service token").is_visible()
    assert canvas.is_hidden()  # the other dialects' sections are out of the way
    assert "Laurel asks Moodle for completions every 15 minutes" in moodle.inner_text()  # said before it happens
    moodle.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "source-add-moodle-open.png"), full_page=False)

    page.select_option("select[name=dialect]", "canvas")
    assert moodle.is_hidden() and page.get_by_label("Canvas URL").is_visible()
    page.select_option("select[name=organization]", label="Harbour Academy")
    page.fill("input[name=name]", "Harbour Canvas")  # the slug follows the name
    page.get_by_label("Canvas URL").fill("https://canvas.harbour.example")
    page.get_by_label("API token").fill("canvas-token")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    page.screenshot(path=str(shots / "source-saved-polling-on.png"), full_page=False)
    source = Source.objects.get(slug="harbour-canvas")
    assert source.settings["canvas_url"] == "https://canvas.harbour.example"
    message = page.get_by_text("Polling is now on for Harbour Canvas")
    assert message.is_visible() and "every 15 minutes" in message.inner_text() and "to 0" in message.inner_text()
    assert blocked == []
