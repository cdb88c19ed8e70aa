"""A worker keeps an organisation's catalogue between credentials (courses/catalogue_cache.py); staff's change is on
the next credential all the same, and one organisation's copy is never another's."""

import io

import pypdf
from django.core.files.base import ContentFile

from courses.catalogue_cache import achievement_texts_attach
from courses.models import (
    Achievement,
    AchievementText,
    CertificateAsset,
    CertificateSignatory,
    EmailTemplate,
    Organization,
    achievement_text_in,
)
from issuance.certificates.credential_certificate import organization_assets
from issuance.email.messages import email_template_for
from stand_ins.smtp import attachments
from tests.factories.issuance import organization_with_templates
from tests.pipeline.conftest import complete, drive

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _certificate_text(smtp, email: str) -> str:
    [message] = smtp.to(email)
    [pdf] = attachments(message).values()
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_certificate_after_an_edit_of_the_default_template_is_drawn_from_the_new_version(smtp, course):
    first = drive(complete(course, score=92, email="first@learners.example"))
    template = course.organization.certificate_templates.order_by("name").first()
    template.html = template.html.replace('<p class="subtitle">', '<p class="subtitle">Revised design ', 1)
    template.save()

    second = drive(complete(course, score=92, email="second@learners.example"))

    assert (first.credential.template_version, second.credential.template_version) == (1, 2)
    assert "Revised design" not in _certificate_text(smtp, "first@learners.example")
    assert "Revised design" in _certificate_text(smtp, "second@learners.example")


def test_a_signatory_added_is_on_the_next_certificate(smtp, course):
    drive(complete(course, score=92, email="first@learners.example"))
    template = course.organization.certificate_templates.order_by("name").first()
    CertificateSignatory.objects.create(template=template, order=1, name="Dr Rosa Vale", title="Director")

    drive(complete(course, score=92, email="second@learners.example"))

    assert "Rosa Vale" not in _certificate_text(smtp, "first@learners.example")
    assert "Rosa Vale" in _certificate_text(smtp, "second@learners.example")


def test_an_edited_email_template_is_the_next_email(smtp, course):
    drive(complete(course, score=92, email="first@learners.example"))
    template = course.organization.email_templates.filter(kind=EmailTemplate.Kind.CREDENTIAL).order_by("pk").first()
    template.subject = "Well done: your First Aid certificate"
    template.save()

    drive(complete(course, score=92, email="second@learners.example"))

    assert smtp.to("first@learners.example")[0]["Subject"] == "Your certificate for First Aid"
    assert smtp.to("second@learners.example")[0]["Subject"] == "Well done: your First Aid certificate"


def test_each_organisation_gets_its_own_email_template(db):
    harbour = organization_with_templates(name="Harbour Academy", slug="harbour")
    northwind = organization_with_templates(name="Northwind", slug="northwind")
    EmailTemplate.objects.filter(organization=northwind, kind=EmailTemplate.Kind.CREDENTIAL).first().delete()
    EmailTemplate.objects.create(organization=northwind, kind=EmailTemplate.Kind.CREDENTIAL, name="Northwind's",
                                 subject="From Northwind", text_body="Hello", html_body="<p>Hello</p>")
    kind = EmailTemplate.Kind.CREDENTIAL
    for _ in range(2):  # the second time from each process copy
        assert email_template_for(organization=Organization.objects.get(pk=harbour.pk), kind=kind).subject != "From Northwind"
        assert email_template_for(organization=Organization.objects.get(pk=northwind.pk), kind=kind).subject == "From Northwind"


def test_an_achievement_text_added_is_read_with_the_next_organisation_row(db):
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    achievement = Achievement.objects.create(organization=organization, name="First Aid", description="Saves lives.")
    before = Achievement.objects.get(pk=achievement.pk)
    achievement_texts_attach(achievement=before, organization=Organization.objects.get(pk=organization.pk))
    assert achievement_text_in(achievement=before, language="fr")[0] == "First Aid"

    AchievementText.objects.create(achievement=achievement, language="fr", name="Premiers secours",
                                   description="Sauve des vies.")

    after = Achievement.objects.get(pk=achievement.pk)
    achievement_texts_attach(achievement=after, organization=Organization.objects.get(pk=organization.pk))
    assert achievement_text_in(achievement=after, language="fr")[0] == "Premiers secours"


def test_an_asset_uploaded_is_embedded_from_the_next_organisation_row(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    assert organization_assets(organization=Organization.objects.get(pk=organization.pk)) == ({}, "")

    asset = CertificateAsset(organization=organization, name="seal", kind=CertificateAsset.Kind.SEAL)
    asset.file.save("seal.png", ContentFile(PNG))

    assert organization_assets(organization=Organization.objects.get(pk=organization.pk))[0] == {"seal": PNG}


def test_a_form_saved_from_an_older_organisation_row_keeps_the_newer_catalogue_version(db):
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    opened = Organization.objects.get(pk=organization.pk)  # a staff member opens the organisation's form
    template = organization.certificate_templates.order_by("name").first()
    template.css += "\n.note { color: #333; }"
    template.save()  # meanwhile another edits a template
    moved = Organization.objects.get(pk=organization.pk).catalogue_version
    assert moved > opened.catalogue_version

    opened.name = "Harbour Academy Ltd"
    opened.save()

    assert Organization.objects.get(pk=organization.pk).catalogue_version == moved
