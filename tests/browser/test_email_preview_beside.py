"""The email template page at 1280 px: the live preview sits beside the code, as on the certificate template page,
and stays in view while the HTML part or a version in another language is typed in."""

import pytest

from courses.models import EmailTemplate, EmailTemplateVariant
from tests.browser.test_certificate_preview_beside import box, in_view
from tests.factories.issuance import organization_with_templates


@pytest.fixture
def template(db):
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    template = EmailTemplate.objects.get(organization=organization, kind=EmailTemplate.Kind.CREDENTIAL)
    EmailTemplateVariant.objects.create(
        template=template, language="fr", subject="Bravo {{ learner_name }} : {{ achievement_name }}",
        text_body="Vous avez obtenu {{ achievement_name }} le {{ issue_date }}.",
        html_body="<p>Vous avez obtenu {{ achievement_name }} le {{ issue_date }}.</p>")
    return template


def test_the_preview_is_beside_the_html_editor_being_typed_in(shots, superuser_page, template):
    page = superuser_page
    page.goto(f"/admin/courses/emailtemplate/{template.pk}/change/")
    preview = page.get_by_test_id("preview-html")
    preview.wait_for()
    editor = page.locator("[data-laurel-editor-for=html_body]").first
    editor.click()  # typing there scrolls the page to it, as a person's typing does
    page.keyboard.press("Control+End")
    page.wait_for_timeout(300)

    page.screenshot(path=str(shots / "email-preview-beside-html.png"), full_page=False)
    code, shown = box(editor), box(preview)
    assert shown["x"] >= code["x"] + code["width"] - 1, (code, shown)  # to the right, not below
    assert shown["width"] >= 300
    assert in_view(shown), f"the preview is out of view while typing in the HTML part: {shown}"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_french_version_previews_for_a_french_learner_beside_it(shots, superuser_page, template):
    page = superuser_page
    page.goto(f"/admin/courses/emailtemplate/{template.pk}/change/")
    subject = page.get_by_test_id("preview-subject")
    page.wait_for_function("document.querySelector('[data-testid=preview-subject]').textContent.trim() !== ''")
    assert "Secourisme" not in subject.inner_text()  # the template itself: English

    french_text = page.locator("textarea[name=variants-0-text_body]")
    french_text.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Merci.")
    text = page.get_by_test_id("preview-text")
    page.wait_for_function("document.querySelector('[data-testid=preview-text]').textContent.includes('Merci.')")

    assert subject.inner_text() == "Bravo Zoë Ångström-Øberg : Secourisme au travail"
    assert "Vous avez obtenu Secourisme au travail le 21 novembre 2026. Merci." in text.inner_text()
    frame = page.frame_locator("[data-testid=preview-html]")
    assert "Vous avez obtenu Secourisme au travail le 21 novembre 2026." in frame.locator("body").inner_text()
    assert frame.locator("html").get_attribute("lang") == "fr"  # the layout, as a French learner gets it
    assert "version in Français (fr)" in page.get_by_test_id("preview-version").inner_text()
    page.screenshot(path=str(shots / "email-preview-french-version.png"), full_page=False)
    code, shown = box(french_text), box(page.get_by_test_id("preview-html"))
    assert shown["x"] >= code["x"] + code["width"] - 1, (code, shown)
    assert in_view(shown), f"the preview is out of view while typing in the French version: {shown}"
