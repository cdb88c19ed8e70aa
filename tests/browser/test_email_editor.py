"""Editing an email template in a real browser: subject, HTML and text follow the unsaved edits, the
merge fields are listed beside it, "send a test to me" arrives through real SMTP, and the HTML part
is highlighted as it is typed and saved as typed (the text part stays a plain textarea)."""


import pytest
from django.contrib.auth.models import User

from courses.models import EmailTemplate
from tests.browser.conftest import wait_until
from tests.factories.issuance import organization_with_templates
from tests.pipeline.conftest import smtp  # noqa: F401  (a fixture)



@pytest.fixture
def template(db):
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    return EmailTemplate.objects.get(organization=organization, kind=EmailTemplate.Kind.CREDENTIAL)


def test_the_email_preview_follows_unsaved_edits_and_sends_a_test_to_me(shots, superuser_page, template, smtp):  # noqa: F811
    page = superuser_page
    saved_subject = template.subject
    page.goto(f"/admin/courses/emailtemplate/{template.pk}/change/")
    subject = page.get_by_test_id("preview-subject")
    for _ in range(200):
        if subject.inner_text().strip():
            break
        page.wait_for_timeout(100)
    assert "First Aid at Work" in subject.inner_text()
    fields = page.get_by_test_id("merge-fields").inner_text()
    assert "{{ issue_date }}" in fields and "issued_on is issue_date" in fields

    page.fill("input[name=subject]", "Your {{ course_title }} certificate, {{ learner_name }}")
    page.locator("textarea[name=text_body]").fill("Hello {{ learner_name }}, issued {{ issued_on }}.")
    page.get_by_role("button", name="cyrillic").click()
    text = page.get_by_test_id("preview-text")
    for _ in range(200):
        if "Анна Каренина" in subject.inner_text() and "issued 21 November 2026" in text.inner_text():
            break
        page.wait_for_timeout(100)
    assert subject.inner_text() == "Your First Aid at Work certificate, Анна Каренина"
    assert "Hello Анна Каренина, issued 21 November 2026." in text.inner_text()  # the old name still works
    frame = page.frame_locator("[data-testid=preview-html]")
    assert "Анна Каренина" in frame.locator("body").inner_text()
    page.screenshot(path=str(shots / "email-editor-live-preview.png"), full_page=False)

    page.get_by_role("button", name="Send a test to me").click()
    result = page.get_by_test_id("send-test-result")
    for _ in range(200):
        if result.inner_text().startswith(("Sent", "Not sent")):
            break
        page.wait_for_timeout(100)
    assert result.inner_text().startswith("Sent to admin@example.org")
    [message] = smtp.to("admin@example.org")
    assert message["Subject"].strip() == "[Test] Your First Aid at Work certificate, Анна Каренина"
    template.refresh_from_db()
    assert template.subject == saved_subject  # nothing saved
    assert User.objects.get(username="admin@example.org").email == "admin@example.org"


def test_the_html_part_is_highlighted_and_what_is_typed_is_previewed_and_saved(shots, superuser_page, template):
    page = superuser_page
    page.goto(f"/admin/courses/emailtemplate/{template.pk}/change/")
    html, text = page.locator("textarea[name=html_body]"), page.locator("textarea[name=text_body]")
    editor = page.get_by_role("textbox", name="Html body")
    assert html.is_hidden() and text.is_visible()  # HTML behind the highlighting editor; the text part plain
    assert page.locator("[data-laurel-editor-for=text_body]").count() == 0
    assert editor.locator(".token.tag").count() > 0
    assert editor.locator(".token.django", has_text="{{ learner_name }}").count() >= 1

    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type('\n<p class="typed">Typed by hand for {{ learner_name }}</p>')
    editor.locator(".token.attr-value", has_text="typed").wait_for()
    frame = page.frame_locator("[data-testid=preview-html]")
    wait_until(page, lambda: "Typed by hand for Zoë Ångström-Øberg" in frame.locator("body").inner_text(), "showing the typed text in the preview")
    page.screenshot(path=str(shots / "email-editor-highlighting.png"), full_page=False)

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    template.refresh_from_db()
    assert template.html_body.endswith('<p class="typed">Typed by hand for {{ learner_name }}</p>')


def test_the_editor_says_which_languages_have_their_own_version_and_which_fall_back(shots, superuser_page, template):
    from courses.models import EmailTemplateVariant

    EmailTemplateVariant.objects.create(template=template, language="fr", subject="Votre certificat",
                                        text_body="Bravo {{ learner_name }}", html_body="<p>Bravo {{ learner_name }}</p>")
    page = superuser_page
    page.goto(f"/admin/courses/emailtemplate/{template.pk}/change/")

    languages = page.get_by_test_id("template-languages")
    languages.scroll_into_view_if_needed()
    assert languages.locator('[data-language="fr"]').inner_text() == "French: its own version, below."
    assert languages.locator('[data-language="ja"]').inner_text() == (
        "No Japanese version: learners whose language is Japanese get the English one.")
    assert page.get_by_text("Versions in other languages").first.is_visible()
    page.screenshot(path=str(shots / "email-template-languages.png"), full_page=True)
