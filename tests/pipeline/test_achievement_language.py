"""The certificate and the emails name the achievement in the learner's language, as their Open Badges credential does;
a language the achievement has no text in gets staff's own name."""

from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import AchievementText, CertificateTemplate
from issuance.certificates.credential_certificate import course_certificate_template
from issuance.completions import Completion
from issuance.email.messages import renewal_reminder_email_draft, revocation_notice_email_draft
from issuance.models import Credential
from issuance.pipeline import issuance_start
from tests.certificates.conftest import pdf_text

from .conftest import drive

FRENCH_NAME = "Secourisme au travail"
STAFF_NAME = "First Aid Responder"


@pytest.fixture
def translated(course):
    """The course's achievement has a French name; its certificate template shows the achievement's name."""
    course.achievement.name = STAFF_NAME
    course.achievement.save()
    AchievementText.objects.create(achievement=course.achievement, language="fr", name=FRENCH_NAME,
                                   description="Reconnaît les compétences pour porter secours au travail.")
    template = course_certificate_template(course=course)
    CertificateTemplate.objects.filter(pk=template.pk).update(
        html='<h1>{{ achievement_name }}</h1><p class="name">{{ learner_name }}</p><p>{{ course_title }}</p>',
        version=template.version + 1)
    return course


def _issue(course, *, language: str, email: str) -> Credential:
    completion = Completion(course_id=course.pk, email=email, name="Claire Dubois", completed_at=timezone.now(),
                            score=Decimal(92), language=language)
    issuance = drive(issuance_start(completion=completion))
    assert issuance.state == "synced", (issuance.state, issuance.error)
    return Credential.objects.get(issuance=issuance)


def _pdf(credential: Credential) -> str:
    with credential.pdf.open("rb") as stored:
        return pdf_text(stored.read())


def _email_to(smtp, address: str):
    [message] = [m for m in smtp.messages if m["To"].endswith(f"<{address}>") or m["To"] == address]
    return message


def test_a_french_learner_reads_the_french_achievement_name_on_the_certificate_and_in_the_email(translated, smtp):
    credential = _issue(translated, language="fr", email="claire@learners.example")

    assert FRENCH_NAME in _pdf(credential) and STAFF_NAME not in _pdf(credential)
    message = _email_to(smtp, "claire@learners.example")
    assert message["Content-Language"] == "fr"
    assert FRENCH_NAME in message.get_body(("plain",)).get_content()
    assert STAFF_NAME not in message.get_body(("plain",)).get_content()
    assert FRENCH_NAME in message.get_body(("html",)).get_content()
    assert credential.badge["credentialSubject"]["achievement"]["name"] == FRENCH_NAME  # the same choice as the badge


def test_a_language_without_its_own_text_gets_staffs_name(translated, smtp):
    credential = _issue(translated, language="de", email="jonas@learners.example")

    assert STAFF_NAME in _pdf(credential) and FRENCH_NAME not in _pdf(credential)
    body = _email_to(smtp, "jonas@learners.example").get_body(("plain",)).get_content()
    assert STAFF_NAME in body and FRENCH_NAME not in body


def test_the_renewal_reminder_and_the_revocation_notice_name_it_in_french_too(translated, smtp):
    credential = _issue(translated, language="fr", email="claire@learners.example")
    credential = Credential.objects.select_related("issuance", "achievement").get(pk=credential.pk)

    reminder = renewal_reminder_email_draft(credential=credential, key="reminder-test",
                                            expires_on=timezone.now().date(), today=timezone.now().date())
    credential.status_reason = "Délivré par erreur."
    notice = revocation_notice_email_draft(credential=credential, key="revocation-test")

    assert FRENCH_NAME in reminder.subject and FRENCH_NAME in reminder.text_body
    assert FRENCH_NAME in notice.subject and FRENCH_NAME in notice.html_body


FRENCH_DESCRIPTION = "Reconnaît les compétences pour porter secours au travail."
STAFF_DESCRIPTION = "Recognises the skills to give first aid at work."


@pytest.fixture
def described(translated):
    """The certificate and the credential email both show the achievement's description."""
    from courses.models import EmailTemplate

    achievement = translated.achievement
    achievement.description = STAFF_DESCRIPTION
    achievement.save()
    template = course_certificate_template(course=translated)
    template = CertificateTemplate.objects.get(pk=template.pk)
    template.html = '<h1>{{ achievement_name }}</h1><p>{{ achievement_description }}</p><p class="name">{{ learner_name }}</p>'
    template.version += 1
    template.save()  # a save, as staff's edit is: the organisation's catalogue is read again (courses/catalogue_cache.py)
    translated.organization.refresh_from_db(fields=["catalogue_version"])  # as a worker reads it with each issuance
    email = EmailTemplate.objects.create(
        organization=translated.organization, kind=EmailTemplate.Kind.CREDENTIAL, name="With the description",
        subject="{{ achievement_name }}", text_body="{{ achievement_description }} {{ credential_url }}",
        html_body="<p>{{ achievement_description }}</p>")
    translated.email_template = email
    translated.save()
    return translated


def test_the_description_reads_in_the_learners_language_on_the_certificate_and_in_the_email(described, smtp):
    french = _issue(described, language="fr", email="claire@learners.example")
    german = _issue(described, language="de", email="jonas@learners.example")

    assert FRENCH_DESCRIPTION in _pdf(french) and STAFF_DESCRIPTION not in _pdf(french)
    assert STAFF_DESCRIPTION in _pdf(german) and FRENCH_DESCRIPTION not in _pdf(german)
    to_claire = _email_to(smtp, "claire@learners.example")
    assert FRENCH_DESCRIPTION in to_claire.get_body(("plain",)).get_content()
    assert FRENCH_DESCRIPTION in to_claire.get_body(("html",)).get_content()
    assert STAFF_DESCRIPTION in _email_to(smtp, "jonas@learners.example").get_body(("plain",)).get_content()
    # The same text the Open Badges credential carries.
    assert french.badge["credentialSubject"]["achievement"]["description"] == FRENCH_DESCRIPTION


def test_the_editor_preview_shows_the_description_in_the_versions_language(described):
    from issuance.certificates.preview import template_preview

    template = course_certificate_template(course=described)
    french, english = template_preview(template=template, sample="latin", language="fr"), template_preview(
        template=template, sample="latin", language="en")

    assert FRENCH_DESCRIPTION in pdf_text(french.pdf) and FRENCH_NAME in pdf_text(french.pdf)
    assert STAFF_DESCRIPTION in pdf_text(english.pdf)
