"""Every email a learner receives is in their language, as their mail client receives it (real SMTP):
Laurel's own text translated, dates written the language's way, Content-Language and <html lang dir> set."""

from datetime import date, datetime, timezone

import pytest
from django.utils import translation

from issuance.delivery.sending import delivery_send_credential_email, delivery_send_still_needed_email
from issuance.email.messages import renewal_reminder_email_draft, revocation_notice_email_draft
from issuance.email.render import email_render
from courses.models import EmailTemplate
from tests.factories.delivery import CredentialFactory, IssuanceFactory

pytestmark = pytest.mark.django_db
ISSUED = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


def parts(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def send_credential(smtp_server, language: str, **overrides):
    credential = CredentialFactory(issuance__language=language, issued_at=ISSUED, **overrides)
    result = delivery_send_credential_email(issuance=credential.issuance, credential=credential)
    assert result.sent, result.detail
    return credential, smtp_server.messages[-1]


def test_a_french_learner_gets_the_credential_email_in_french(smtp_server):
    _, message = send_credential(smtp_server, "fr", issuance__course__title="Premiers secours",
                                 issuance__learner_name="Élodie Martin")
    text, page = parts(message)
    assert message["Subject"] == "Votre certificat pour Premiers secours"
    assert message["Content-Language"] == "fr"
    assert "Félicitations, Élodie Martin !" in text
    assert "Délivré le 5 janvier 2026" in text
    assert "Vous recevez ce message parce que vous avez terminé Premiers secours" in text
    assert '<html lang="fr" dir="ltr"' in page
    assert "Voir votre certificat" in page and "Congratulations" not in page


def test_an_arabic_learner_gets_it_right_to_left(smtp_server):
    _, message = send_credential(smtp_server, "ar", issuance__learner_name="ليلى حداد")
    text, page = parts(message)
    assert message["Content-Language"] == "ar"
    assert '<html lang="ar" dir="rtl"' in page
    assert "تهانينا يا ليلى حداد!" in text
    assert "٢٠٢٦" in text or "2026" in text  # the year, however Arabic writes its digits here


@pytest.mark.parametrize("language,greeting", [
    ("de", "Herzlichen Glückwunsch"), ("es", "¡Enhorabuena"), ("pt-BR", "Parabéns"), ("it", "Congratulazioni"),
    ("nl", "Gefeliciteerd"), ("zh-Hans", "恭喜您"), ("ja", "おめでとうございます"), ("en", "Congratulations"),
])
def test_each_shipped_language_greets_the_learner_in_it(smtp_server, language, greeting):
    _, message = send_credential(smtp_server, language)
    text, _ = parts(message)
    assert greeting in text and message["Content-Language"] == language


def test_an_english_learner_keeps_the_english_dates(smtp_server):
    _, message = send_credential(smtp_server, "en")
    text, page = parts(message)
    assert "Issued 5 January 2026" in text and '<html lang="en" dir="ltr"' in page


def test_the_still_needed_email_follows_the_learners_language(smtp_server):
    issuance = IssuanceFactory(language="es", course__title="Primeros auxilios")
    delivery_send_still_needed_email(issuance=issuance, reasons=["Una puntuación de 80 o más (obtuvo 60)."])
    text, _ = parts(smtp_server.messages[-1])
    # Folded as an encoded word, the header reads back with the folding space in front; a mail client drops it.
    assert smtp_server.messages[-1]["Subject"].strip() == "Primeros auxilios: lo que aún necesita para su certificado"
    assert "A su certificado le falta una cosa más:" in text


def test_reminders_and_revocation_notices_follow_it_too():
    credential = CredentialFactory(issuance__language="de", valid_until=datetime(2027, 1, 5, tzinfo=timezone.utc))
    reminder = renewal_reminder_email_draft(credential=credential, key="r-1", expires_on=date(2027, 1, 5), today=date(2026, 12, 6))
    assert "in 30 Tagen" in reminder.text_body and "5. Januar 2027" in reminder.text_body
    assert reminder.headers["Content-Language"] == "de"
    credential.status_reason = "Ausgestellt in Fehler."
    notice = revocation_notice_email_draft(credential=credential, key="n-1")
    assert notice.subject.endswith("wurde widerrufen") and "Angegebener Grund: Ausgestellt in Fehler." in notice.text_body


def test_a_staff_template_without_translate_tags_is_sent_as_written():
    issuance = IssuanceFactory(language="fr")
    template = EmailTemplate(organization=issuance.organization, kind="still_needed", name="Ours",
                             subject="Hello {{ learner_name }}", text_body="Plain English.", html_body="<p>Plain English.</p>")
    with translation.override("fr"):
        rendered = email_render(template=template, context={"learner_name": "Ana", "course_title": "X", "reasons": [],
                                                            "retake_url": "", "programmes": []})
    assert rendered.subject == "Hello Ana" and "Plain English." in rendered.text
    assert '<html lang="fr"' in rendered.html  # the layout still names the language the learner reads
