"""A certificate template may hold a version per learner language: a learner whose language has one gets their
certificate in it (the template's current version, rendered in the same sandbox); any other learner gets the
template itself."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses.models import CertificateTemplate, CertificateTemplateVariant
from issuance.certificates.credential_certificate import course_certificate_template
from issuance.completions import Completion
from issuance.models import Credential
from issuance.pipeline import issuance_start
from tests.certificates.conftest import pdf_text

from .conftest import drive

ENGLISH = '<h1>Certificate of completion</h1><p class="name">{{ learner_name }}</p><p>{{ course_title }}</p>'
FRENCH = '<h1>Attestation de réussite</h1><p class="name">{{ learner_name }}</p><p>Formation : {{ course_title }}</p>'


@pytest.fixture
def template(course) -> CertificateTemplate:
    """The course's template, written in English, with a French version."""
    template = course_certificate_template(course=course)
    template.html, template.css, template.language = ENGLISH, "h1 { font-size: 30pt; }", "en"
    template.save()
    CertificateTemplateVariant.objects.create(template=template, language="fr", html=FRENCH, css="h1 { font-size: 26pt; }")
    template.refresh_from_db()
    return template


def _issue(course, *, language: str, email: str, name: str) -> Credential:
    completion = Completion(course_id=course.pk, email=email, name=name, completed_at=timezone.now(),
                            score=Decimal(92), language=language)
    issuance = drive(issuance_start(completion=completion))
    assert issuance.state == "synced", (issuance.state, issuance.error)
    return Credential.objects.get(issuance=issuance)


def _pdf(credential: Credential) -> str:
    with credential.pdf.open("rb") as stored:
        return pdf_text(stored.read())


def test_a_french_learner_gets_the_french_version_and_a_german_one_the_template_itself(course, template, smtp):
    french = _issue(course, language="fr", email="claire@learners.example", name="Claire Dubois")
    german = _issue(course, language="de", email="jonas@learners.example", name="Jonas Weber")

    french_text, german_text = _pdf(french), _pdf(german)
    assert "Attestation de réussite" in french_text and "Formation : " in french_text
    assert "Claire Dubois" in french_text and "Certificate of completion" not in french_text
    assert "Certificate of completion" in german_text and "Attestation" not in german_text
    # Both name the one version they came from: the French version is part of the template's version.
    assert french.template_version == german.template_version == template.version


def test_editing_a_version_makes_a_new_version_of_the_template_and_later_certificates_carry_it(course, template, smtp):
    before = template.version
    variant = template.variants.get(language="fr")
    variant.html = FRENCH.replace("Attestation de réussite", "Certificat de réussite")
    variant.save()
    template.refresh_from_db()
    assert template.version == before + 1

    credential = _issue(course, language="fr", email="claire@learners.example", name="Claire Dubois")

    assert "Certificat de réussite" in _pdf(credential) and "Attestation" not in _pdf(credential)
    assert credential.template_version == before + 1
    variant.delete()
    template.refresh_from_db()
    assert template.version == before + 2


def test_a_version_is_checked_by_the_same_sandbox_and_cannot_repeat_the_templates_language(template):
    refused = CertificateTemplateVariant(template=template, language="de", html="{% load static %}<p>{{ learner_name }}</p>")
    with pytest.raises(ValidationError) as error:
        refused.full_clean()
    assert "load" in str(error.value)

    remote = CertificateTemplateVariant(template=template, language="de", html='<img src="https://evil.example/x.png">')
    with pytest.raises(ValidationError):
        remote.full_clean()

    same = CertificateTemplateVariant(template=template, language="en", html="<p>{{ learner_name }}</p>")
    with pytest.raises(ValidationError) as error:
        same.full_clean()
    assert "written in English" in str(error.value)
