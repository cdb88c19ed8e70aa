"""Editing a certificate template in a real browser: the preview follows the unsaved text, the sample
names switch without losing edits, a broken template names its line, and nothing is saved."""

from pathlib import Path

import pytest

from courses.models import CertificateTemplate
from tests.issuance_factories import organization_with_templates

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


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


def test_the_preview_follows_unsaved_edits_and_sample_names(superuser_page, template):
    page = superuser_page
    saved_html, saved_version = template.html, template.version
    page.goto(f"/admin/courses/certificatetemplate/{template.pk}/change/")
    image = page.get_by_test_id("preview-image")
    image.wait_for()
    saved_src = image.get_attribute("src")

    html = page.locator("textarea[name=html]")
    html.fill(saved_html.replace("Certificate", "Diploma of Excellence"))
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
    page.screenshot(path=str(IMAGES / "certificate-editor-live-preview.png"), full_page=False)

    html.fill(saved_html + "\n<p>{% if learner_name %}unclosed</p>")
    problems = page.get_by_test_id("preview-problems")
    problems.wait_for(state="visible", timeout=30_000)
    line = saved_html.count("\n") + 2
    assert f"HTML line {line}" in problems.inner_text() and "Unclosed tag" in problems.inner_text()
    page.screenshot(path=str(IMAGES / "certificate-editor-error.png"), full_page=False)

    template.refresh_from_db()
    assert (template.html, template.version) == (saved_html, saved_version)  # nothing was saved
