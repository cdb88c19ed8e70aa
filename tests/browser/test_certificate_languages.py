"""The certificate template page lists each language's version or its fallback, and its live preview follows the
version being typed in, rendered for a learner of its language."""

import pytest

from courses.models import CertificateTemplate, CertificateTemplateVariant
from tests.browser.test_certificate_editor import rendered, type_at_the_end
from tests.browser.test_certificate_preview_beside import box, in_view
from tests.factories.issuance import organization_with_templates

FRENCH = ('<div style="text-align:center"><h1 style="font-size:40pt">Attestation de réussite</h1>'
          '<p style="font-size:28pt">{{ learner_name }}</p><p style="font-size:16pt">Terminé le {{ completion_date }}</p></div>')


@pytest.fixture
def template(db):
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    template = CertificateTemplate.objects.filter(organization=organization).order_by("pk").first()
    CertificateTemplateVariant.objects.create(template=template, language="fr", html=FRENCH, css="")
    return template


def test_the_french_version_previews_for_a_french_learner_beside_it(shots, superuser_page, template):
    page = superuser_page
    page.goto(f"/admin/courses/certificatetemplate/{template.pk}/change/")
    languages = page.get_by_test_id("template-languages")
    assert "French: its own version, below." in languages.locator("[data-language=fr]").inner_text()
    assert "No Japanese version: learners whose language is Japanese get the English one." in (
        languages.locator("[data-language=ja]").inner_text())
    image = page.get_by_test_id("preview-image")
    image.wait_for()
    saved_src = image.get_attribute("src")

    french_css = page.locator("[data-laurel-editor-for=variants-0-css]")
    type_at_the_end(page, french_css, "h1 { color: #1F3A5F; }")
    rendered(page, 0)

    assert image.get_attribute("src").startswith("data:image/png;base64,") and image.get_attribute("src") != saved_src
    assert "version in Français (fr)" in page.get_by_test_id("preview-version").inner_text()
    assert page.get_by_test_id("preview-problems").is_hidden()
    page.screenshot(path=str(shots / "certificate-editor-french-version.png"), full_page=False)
    code, shown = box(french_css), box(image)
    assert shown["x"] >= code["x"] + code["width"] - 1, (code, shown)  # beside the version, not below it
    assert in_view(shown), f"the preview is out of view while typing in the French version: {shown}"
    template.refresh_from_db()
    assert template.variants.get().css == ""  # nothing saved until staff save
