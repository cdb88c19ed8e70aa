"""Staff write an email template's version per learner language; a language without one gets the template itself,
and the editor says so."""

from datetime import datetime, timezone

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses.models import EmailTemplate, EmailTemplateVariant
from issuance.delivery.sending import delivery_send_credential_email
from tests.factories.delivery import CredentialFactory

pytestmark = pytest.mark.django_db
ISSUED = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


def _template(organization, kind=EmailTemplate.Kind.CREDENTIAL) -> EmailTemplate:
    return EmailTemplate.objects.create(
        organization=organization, kind=kind, name=f"Harbour {kind}", language="en",
        subject="Well done, {{ learner_name }}", text_body="You earned {{ achievement_name }}. {{ credential_url }}",
        html_body="<p>You earned {{ achievement_name }}.</p>",
    )


def _send(smtp_server, language: str, template: EmailTemplate | None = None, **overrides):
    credential = CredentialFactory(issuance__language=language, issued_at=ISSUED, **overrides)
    if template is not None:
        course = credential.issuance.course
        template.organization = course.organization
        template.save()
        course.email_template = template
        course.save()
    result = delivery_send_credential_email(issuance=credential.issuance, credential=credential)
    assert result.sent, result.detail
    return smtp_server.messages[-1]


def test_a_french_learner_gets_the_french_version_and_a_german_one_the_template_itself(smtp_server):
    credential = CredentialFactory(issuance__language="fr")
    template = _template(credential.issuance.organization)
    EmailTemplateVariant.objects.create(
        template=template, language="fr", subject="Bravo, {{ learner_name }}",
        text_body="Vous avez obtenu {{ achievement_name }}. {{ credential_url }}", html_body="<p>Vous avez obtenu {{ achievement_name }}.</p>",
    )

    french = _send(smtp_server, "fr", template, issuance__learner_name="Élodie Martin")
    german = _send(smtp_server, "de", template, issuance__learner_name="Jonas Weber")

    assert french["Subject"] == "Bravo, Élodie Martin" and french["Content-Language"] == "fr"
    assert "Vous avez obtenu" in french.get_body(("plain",)).get_content()
    assert "Vous avez obtenu" in french.get_body(("html",)).get_content()
    assert german["Subject"] == "Well done, Jonas Weber" and german["Content-Language"] == "de"
    assert "You earned" in german.get_body(("plain",)).get_content()


def test_a_version_is_checked_like_the_template_and_cannot_repeat_its_language(db):
    credential = CredentialFactory()
    template = _template(credential.issuance.organization)

    unsafe = EmailTemplateVariant(template=template, language="fr", subject="Bravo",
                                  text_body="{% load static %}", html_body="<p>Bravo</p>")
    with pytest.raises(ValidationError) as refused:
        unsafe.full_clean()
    assert "text_body" in refused.value.message_dict
    same = EmailTemplateVariant(template=template, language="en", subject="Hi", text_body="Hi", html_body="<p>Hi</p>")
    with pytest.raises(ValidationError, match="written in English; edit it above"):
        same.full_clean()


def test_the_editor_shows_which_languages_fall_back_and_saves_a_version(admin_client):
    template = _template(CredentialFactory().issuance.organization)
    url = reverse("admin:courses_emailtemplate_change", args=[template.pk])

    page = admin_client.get(url).content.decode()
    assert "No French version: learners whose language is French get the English one." in page
    assert "English: the template above." in page

    form = {"organization": template.organization_id, "kind": template.kind, "name": template.name,
            "subject": template.subject, "text_body": template.text_body, "html_body": template.html_body,
            "language": "en",
            "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "0", "variants-MIN_NUM_FORMS": "0",
            "variants-MAX_NUM_FORMS": "1000",
            "variants-0-language": "fr", "variants-0-subject": "Bravo, {{ learner_name }}",
            "variants-0-text_body": "Vous avez obtenu {{ achievement_name }}.",
            "variants-0-html_body": "<p>Vous avez obtenu {{ achievement_name }}.</p>"}
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]

    page = admin_client.get(url).content.decode()
    assert "French: its own version, below." in page
    assert "No French version" not in page
    assert "No German version: learners whose language is German get the English one." in page
    assert template.variants.get().language == "fr"
