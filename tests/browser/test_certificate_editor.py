"""Editing a certificate template in a real browser: the HTML and CSS are highlighted as they are
typed, the preview follows the unsaved text, the sample names switch without losing edits, a broken
template names its line, nothing is saved until you save, and what was typed is what is saved."""


import pytest

from courses.models import CertificateTemplate
from tests.browser.conftest import wait_until
from tests.factories.issuance import organization_with_templates



@pytest.fixture
def template(db):
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    return CertificateTemplate.objects.filter(organization=organization).order_by("pk").first()


def rendered(page, after: int) -> int:
    """Waits for a preview newer than `after` (the page's CSP forbids evaluating a string, so poll from here)."""
    for _ in range(300):
        count = int(page.get_attribute("#preview", "data-rendered") or 0)
        if count > after:
            return count
        page.wait_for_timeout(100)
    raise AssertionError("no new preview within 30 seconds")


def replace_text(page, editor, text: str) -> None:
    """Selects everything in the editor and puts `text` in its place, as text arriving at once (pasted or dictated) does."""
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def type_at_the_end(page, editor, text: str) -> None:
    """Clicks into the editor, goes to the end and types `text` key by key."""
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def test_the_preview_follows_unsaved_edits_and_sample_names(shots, superuser_page, template):
    page = superuser_page
    saved_html, saved_version = template.html, template.version
    page.goto(f"/admin/courses/certificatetemplate/{template.pk}/change/")
    image = page.get_by_test_id("preview-image")
    image.wait_for()
    saved_src = image.get_attribute("src")

    html = page.locator("textarea[name=html]")  # still the form field, behind the highlighting editor
    editor = page.locator("[data-laurel-editor-for=html]")
    replace_text(page, editor, saved_html.replace("Certificate", "Diploma of Excellence"))
    count = rendered(page, 0)
    first_png = image.get_attribute("src")
    assert first_png.startswith("data:image/png;base64,") and first_png != saved_src
    assert "Unsaved version, sample “latin”" in page.get_by_test_id("preview-status").inner_text()

    page.get_by_role("button", name="arabic").click()
    count = rendered(page, count)
    assert image.get_attribute("src") not in (first_png, saved_src)
    assert "sample “arabic”" in page.get_by_test_id("preview-status").inner_text()
    assert "Diploma of Excellence" in html.input_value()  # the edit survived the switch
    page.get_by_role("button", name="chinese").click()
    count = rendered(page, count)
    page.screenshot(path=str(shots / "certificate-editor-live-preview.png"), full_page=False)

    replace_text(page, editor, saved_html)
    type_at_the_end(page, editor, "\n<p>{% if learner_name %}unclosed</p>")
    problems = page.get_by_test_id("preview-problems")
    problems.wait_for(state="visible", timeout=30_000)
    line = saved_html.count("\n") + 2
    assert f"HTML line {line}" in problems.inner_text() and "Unclosed tag" in problems.inner_text()
    problems.scroll_into_view_if_needed()  # typing left the page at the editor; the shot is of the problems
    page.screenshot(path=str(shots / "certificate-editor-error.png"), full_page=False)

    template.refresh_from_db()
    assert (template.html, template.version) == (saved_html, saved_version)  # nothing was saved


def test_the_editor_highlights_the_template_and_saves_what_is_typed_in_it(shots, superuser_page, template, live_server):
    page = superuser_page
    requested, refused = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(f"/admin/courses/certificatetemplate/{template.pk}/change/")
    saved_src = page.get_by_test_id("preview-image").get_attribute("src")
    html, css = page.locator("textarea[name=html]"), page.locator("textarea[name=css]")
    editor = page.get_by_role("textbox", name="Html")
    css_editor = page.locator("[data-laurel-editor-for=css]")
    assert html.is_hidden() and css.is_hidden()  # the textareas stay in the form, behind the editors
    assert editor.locator(".token.tag").count() > 0  # HTML tags are coloured as tags
    assert editor.locator(".token.django", has_text="{{ learner_name }}").count() >= 1  # merge fields as template tags
    assert editor.locator(".token.django .token.keyword", has_text="if").count() >= 1  # and {% if %} as a tag
    assert css_editor.locator(".token.selector").count() > 0 and css_editor.locator(".token.property").count() > 0
    assert editor.inner_text().strip() == template.html.strip()
    assert any("/static/laurel/vendor/codejar/codejar.js" in url for url in requested)
    assert [url for url in requested if not url.startswith((live_server.url, "data:"))] == []  # nothing from elsewhere
    assert refused == []  # the admin's script policy holds: no inline script, no other origin

    type_at_the_end(page, editor, '\n<p class="typed">Typed by hand for {{ learner_name }}</p>')
    editor.locator(".token.attr-value", has_text="typed").wait_for()  # what was typed is coloured too, once keys rest
    assert html.input_value().endswith('<p class="typed">Typed by hand for {{ learner_name }}</p>')
    rendered(page, 0)
    assert page.get_by_test_id("preview-image").get_attribute("src") not in (saved_src, None)
    assert "Unsaved version" in page.get_by_test_id("preview-status").inner_text()
    page.screenshot(path=str(shots / "certificate-editor-highlighting.png"), full_page=False)

    page.wait_for_timeout(400)  # CodeJar keeps an undo step once typing pauses
    page.keyboard.press("Control+Z")  # undo and redo change the editor without an "input" event
    wait_until(page, lambda: html.input_value() == template.html, "back to the saved text after undo")
    page.keyboard.press("Control+Shift+Z")
    wait_until(page, lambda: html.input_value().endswith("{{ learner_name }}</p>"), "the typed text again after redo")
    # CodeJar re-highlights shortly after a key and puts the caret back, which takes the focus back
    # from a Tab pressed before then: on a loaded machine that moment comes late, so let it pass.
    page.wait_for_timeout(400)
    page.keyboard.press("Tab")  # leaves the editor for the next field, as from a textarea
    focused = "document.activeElement && document.activeElement.getAttribute('data-laurel-editor-for')"
    wait_until(page, lambda: page.evaluate(focused) == "css", "the CSS editor focused after Tab")
    assert "\t" not in html.input_value()

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    template.refresh_from_db()
    assert template.html.endswith('<p class="typed">Typed by hand for {{ learner_name }}</p>')
    assert page.locator("[data-laurel-editor-for=html]").inner_text().strip().endswith("{{ learner_name }}</p>")


def test_if_the_editor_cannot_load_the_template_is_edited_in_the_plain_textarea(superuser_page, template):
    """unfold's admin needs scripts, so the one failure left is the editor's own files not arriving."""
    page = superuser_page
    page.route("**/static/laurel/vendor/**", lambda route: route.abort())
    page.goto(f"/admin/courses/certificatetemplate/{template.pk}/change/")
    page.get_by_test_id("preview-image").wait_for()
    html = page.locator("textarea[name=html]")
    assert html.is_visible() and page.locator("[data-laurel-editor-for]").count() == 0
    html.fill(template.html + "\n<p>Edited in the plain textarea</p>")
    rendered(page, 0)  # the live preview does not depend on the editor
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    template.refresh_from_db()
    assert template.html.endswith("<p>Edited in the plain textarea</p>")
