"""The certificate template page at 1280 px: the live preview sits beside the code, and stays in view
while either editor is being typed in (walk-through m9: the HTML editor was at y≈336-976 px and the
preview began at y≈1930 px, below the CSS editor, so nobody could see it while typing)."""

import pytest

from courses.models import CertificateTemplate
from tests.factories.issuance import organization_with_templates

VIEWPORT_HEIGHT = 900  # tests/browser/conftest.py's VIEWPORT


@pytest.fixture
def template(db):
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    return CertificateTemplate.objects.filter(organization=organization).order_by("pk").first()


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not drawn"
    return found


def in_view(found: dict) -> bool:
    """At least half of the box is inside the 900 px tall viewport."""
    top, bottom = max(found["y"], 0), min(found["y"] + found["height"], VIEWPORT_HEIGHT)
    return bottom - top >= found["height"] / 2


@pytest.mark.parametrize("field", ["html", "css"])
def test_the_preview_is_beside_the_editor_being_typed_in(shots, superuser_page, template, field):
    page = superuser_page
    page.goto(f"/admin/courses/certificatetemplate/{template.pk}/change/")
    image = page.get_by_test_id("preview-image")
    image.wait_for()
    editor = page.locator(f"[data-laurel-editor-for={field}]")
    editor.click()  # typing there scrolls the page to it, as a person's typing does
    page.keyboard.press("Control+End")
    page.wait_for_timeout(300)

    page.screenshot(path=str(shots / f"certificate-preview-beside-{field}.png"), full_page=False)
    code, preview = box(editor), box(image)
    assert preview["x"] >= code["x"] + code["width"] - 1, (code, preview)  # to the right, not below
    assert preview["width"] >= 300  # big enough to read a layout from
    assert in_view(preview), f"the preview is out of view while typing in {field}: {preview}"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")  # no sideways scroll
