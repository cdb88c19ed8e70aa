"""Staff edit certificate templates in the admin: refused constructs at save, assets, and the preview."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from courses.models import CertificateAsset, CertificateTemplate, Organization
from tests.certificates.conftest import pdf_text


@pytest.fixture
def template(db):
    call_command("seed_demo", admin_password="pw-for-tests")
    return CertificateTemplate.objects.filter(organization__slug="demo-academy").order_by("name").first()


def _form(template, **changes):
    data = {
        "organization": template.organization_id, "name": template.name, "page_size": template.page_size,
        "orientation": template.orientation, "html": template.html, "css": template.css, "language": template.language,
        "signatories-TOTAL_FORMS": "0", "signatories-INITIAL_FORMS": "0",
        "signatories-MIN_NUM_FORMS": "0", "signatories-MAX_NUM_FORMS": "1000",
        "variants-TOTAL_FORMS": "0", "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0", "variants-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def _png(color="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "snippet, named",
    [
        ("{% load static %}", "load"),
        ('{% include "admin/base.html" %}', "include"),
        ("{% debug %}", "debug"),
        ("{% autoescape off %}{{ learner_name }}{% endautoescape %}", "autoescape"),
        ("{{ settings.SECRET_KEY }}", "settings"),
    ],
)
def test_saving_a_template_with_a_disallowed_construct_is_refused_naming_it(admin_client, template, snippet, named):
    url = reverse("admin:courses_certificatetemplate_change", args=[template.pk])
    response = admin_client.post(url, _form(template, html=template.html + snippet))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["html"]
    assert any(named in error for error in errors), errors
    template.refresh_from_db()
    assert snippet not in template.html


def test_the_preview_renders_the_saved_template_for_a_hard_sample_name(admin_client, template):
    png = admin_client.get(reverse("admin:courses_certificatetemplate_preview_png", args=[template.pk]), {"sample": "greek"})
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size[0] == 1100
    pdf = admin_client.get(reverse("admin:courses_certificatetemplate_preview_pdf", args=[template.pk]), {"sample": "greek"})
    assert "Αλέξανδρος Παπαδόπουλος" in pdf_text(pdf.content)
    assert "First Aid at Work" in pdf_text(pdf.content)  # the course using it, not a placeholder


def test_the_editor_lists_the_merge_fields_beside_the_preview(admin_client, template):
    page = admin_client.get(reverse("admin:courses_certificatetemplate_change", args=[template.pk])).content.decode()
    assert "{{ learner_name }}" in page and "{{ qr_code }}" in page
    assert reverse("admin:courses_certificatetemplate_preview_png", args=[template.pk]) in page


def test_the_preview_shows_which_reference_was_refused(admin_client, template):
    # Saved before validation could see it (e.g. an asset deleted later): the preview explains.
    CertificateTemplate.objects.filter(pk=template.pk).update(html=template.html + '<img src="laurel-asset:missing-seal">')
    page = admin_client.get(reverse("admin:courses_certificatetemplate_preview", args=[template.pk])).content.decode()
    assert "cannot render" in page
    assert "missing-seal" in page


def test_an_uploaded_seal_appears_on_the_certificate(admin_client, template):
    org = template.organization
    response = admin_client.post(
        reverse("admin:courses_certificateasset_add"),
        {"organization": org.pk, "name": "seal", "kind": "seal", "file": SimpleUploadedFile("seal.png", _png(), "image/png")},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    template.html += '<img src="laurel-asset:seal" width="40">'
    template.save()
    pdf = admin_client.get(reverse("admin:courses_certificatetemplate_preview_pdf", args=[template.pk])).content
    from tests.certificates.conftest import pdf_image_count

    assert pdf_image_count(pdf) >= 2  # the QR code and the seal


def test_an_asset_that_is_not_what_its_name_says_is_refused(admin_client, db):
    org = Organization.objects.create(
        name="Harbour", slug="harbour", sender_name="H", sender_email="a@h.example", notification_email="b@h.example"
    )
    response = admin_client.post(
        reverse("admin:courses_certificateasset_add"),
        {"organization": org.pk, "name": "logo", "kind": "logo", "file": SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", "image/png")},
    )
    assert "not a real .png file" in response.content.decode()
    assert not CertificateAsset.objects.exists()


def test_the_editor_says_whether_a_template_is_layered_or_rendered_in_full_and_why(admin_client, template):
    url = reverse("admin:courses_certificatetemplate_change", args=[template.pk])
    assert "Layered: the design is drawn once" in admin_client.get(url).content.decode()

    template.html = "{% for s in signatories %}<p>{{ s.name }} and {{ learner_name }}</p>{% endfor %}"
    template.save()
    page = admin_client.get(url).content.decode()

    assert "Full render for every credential" in page
    assert "learner_name is inside a repeated block" in page


@pytest.mark.parametrize(("amount", "unit", "shown"), [(3, "years", 3), (None, "", None)])
def test_the_previews_valid_until_follows_the_courses_validity(admin_client, template, amount, unit, shown):
    from datetime import timedelta

    from django.utils import timezone

    achievement = (template.courses.first() or template.organization.courses.first()).achievement  # as the preview picks it
    achievement.validity_amount, achievement.validity_unit = amount, unit
    achievement.save()
    text = pdf_text(admin_client.get(reverse("admin:courses_certificatetemplate_preview_pdf", args=[template.pk])).content)
    yesterday = timezone.localtime() - timedelta(days=1)
    if shown is None:  # a course that never expires: no end date on its certificate
        assert "Valid until" not in text and "valid until" not in text.lower()
    else:
        assert str(yesterday.year + shown) in text and str(timezone.localtime().year + 1) not in text


def test_staff_add_a_version_in_another_language_and_the_template_gets_a_new_version(admin_client, template):
    url = reverse("admin:courses_certificatetemplate_change", args=[template.pk])
    assert admin_client.post(url, _form(template)).status_code == 302  # saved as the form gives it back
    template.refresh_from_db()
    version = template.version
    french = {"variants-TOTAL_FORMS": "1", "variants-0-language": "fr",
              "variants-0-html": "<h1>Attestation</h1><p>{{ learner_name }}</p>", "variants-0-css": ""}

    refused = admin_client.post(url, _form(template, **{**french, "variants-0-html": "{% load static %}<p>x</p>"}))
    saved = admin_client.post(url, _form(template, **french))

    assert refused.status_code == 200 and "load" in str(refused.context["inline_admin_formsets"][1].formset.errors)
    assert saved.status_code == 302
    template.refresh_from_db()
    assert template.variants.get().language == "fr" and template.version == version + 1
    page = admin_client.get(url).content.decode()
    assert "French: its own version, below." in page and "No German version: learners whose language is German get the English one." in page
