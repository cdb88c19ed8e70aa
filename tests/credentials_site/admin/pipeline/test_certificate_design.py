"""The Design tab's endpoints: a design to template source and back, the organisation's images for the page,
each scoped to the template's organisation, and bad input answered with what is wrong, never a 500."""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from courses.models import CertificateAsset, CertificateTemplate
from courses.templating.certificate_design import design_read, design_starter, design_template
from tests.factories.courses import member
from tests.factories.issuance import organization_with_templates


def _png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 10), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def harbour(db):
    organization = organization_with_templates(name="Harbour Academy", slug="harbour")
    CertificateAsset.objects.create(organization=organization, name="seal", kind="seal",
                                    file=SimpleUploadedFile("seal.png", _png("gold"), content_type="image/png"))
    CertificateAsset.objects.create(organization=organization, name="body-font", kind="font",
                                    file=SimpleUploadedFile("body.ttf", b"\x00\x01\x00\x00rest", content_type="font/ttf"))
    return organization


@pytest.fixture
def template(harbour):
    return CertificateTemplate.objects.filter(organization=harbour).order_by("pk").first()


def _staff(client, organization, role="editor", username="designer"):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "correct horse battery staple", is_staff=True)
    member(user, organization, role)
    client.force_login(user)
    return client


def _post_design(client, template, design):
    url = reverse("admin:courses_certificatetemplate_design_template", args=[template.pk])
    return client.post(url, json.dumps({"design": design}), content_type="application/json")


def test_the_page_opens_a_hand_written_template_with_the_note_and_the_organisations_images(client, template):
    page = _staff(client, template.organization).get(reverse("admin:courses_certificatetemplate_change", args=[template.pk]))
    state = page.context["design_state"]
    assert state["design"] is None and "written in HTML and CSS" in state["note"]
    assert [asset["name"] for asset in state["assets"]] == ["organization_logo", "seal"]  # images only, no font
    assert 'id="laurel-design-state"' in page.content.decode() and "vendor/interact/interact.min.js" in page.content.decode()


def test_a_posted_design_comes_back_as_the_template_source_and_saves_as_a_new_version(client, template):
    staff = _staff(client, template.organization)
    design = design_starter("A4", "landscape")
    answer = _post_design(staff, template, design)
    assert answer.status_code == 200 and (answer.json()["html"], answer.json()["css"]) == design_template(design)
    read = staff.post(reverse("admin:courses_certificatetemplate_design_read", args=[template.pk]), answer.json())
    assert read.json() == {"design": design, "note": ""}

    version = template.version
    form = {"organization": template.organization_id, "name": template.name, "page_size": "A4", "orientation": "landscape",
            "html": answer.json()["html"], "css": answer.json()["css"], "signatories-TOTAL_FORMS": "0",
            "signatories-INITIAL_FORMS": "0", "signatories-MIN_NUM_FORMS": "0", "signatories-MAX_NUM_FORMS": "1000",
            "language": "en", "variants-TOTAL_FORMS": "0", "variants-INITIAL_FORMS": "0", "variants-MIN_NUM_FORMS": "0",
            "variants-MAX_NUM_FORMS": "1000"}
    saved = staff.post(reverse("admin:courses_certificatetemplate_change", args=[template.pk]), form)
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    template.refresh_from_db()
    assert template.version == version + 1 and design_read(html=template.html, css=template.css).design == design


@pytest.mark.parametrize("body, status, says", [
    (b"{not json", 400, "could not be read as JSON"),
    (json.dumps({"design": {"blocks": [{"kind": "field", "field": "secret_key"}]}}).encode(), 422, "Block 1 field"),
    (json.dumps({"design": "nothing"}).encode(), 422, "list of blocks"),
    (json.dumps([1, 2]).encode(), 422, "list of blocks"),
    (b"{" + b" " * 300_000 + b"}", 413, "larger than 256 KB"),
])
def test_a_bad_design_is_answered_with_what_is_wrong(client, template, body, status, says):
    url = reverse("admin:courses_certificatetemplate_design_template", args=[template.pk])
    answer = _staff(client, template.organization).post(url, body, content_type="application/json")
    assert answer.status_code == status and says in " ".join(answer.json()["problems"])


def test_another_organisations_template_and_images_are_not_found(client, template, harbour, db):
    other = organization_with_templates(name="Summit Skills", slug="summit")
    staff = _staff(client, other)
    assert _post_design(staff, template, design_starter("A4", "landscape")).status_code == 404
    assert staff.get(reverse("admin:courses_certificatetemplate_design_asset", args=[template.pk, "seal"])).status_code == 404
    viewer = _staff(client, harbour, role="viewer", username="viewer")
    assert _post_design(viewer, template, design_starter("A4", "landscape")).status_code == 403


def test_the_page_gets_the_organisations_images_but_not_its_fonts(client, template):
    staff = _staff(client, template.organization)
    seal = staff.get(reverse("admin:courses_certificatetemplate_design_asset", args=[template.pk, "seal"]))
    assert seal.status_code == 200 and seal["Content-Type"] == "image/png" and seal.content.startswith(b"\x89PNG")
    for name in ("body-font", "organization_logo", "missing"):  # a font is no image; Harbour has no logo
        assert staff.get(reverse("admin:courses_certificatetemplate_design_asset", args=[template.pk, name])).status_code == 404


def test_the_add_page_designs_from_the_starter_with_the_organisations_images(client, template, harbour):
    staff = _staff(client, harbour)
    page = staff.get(reverse("admin:courses_certificatetemplate_add"))
    state = page.context["design_state"]
    assert state["design"] == design_starter("A4", "landscape") and state["note"] == ""
    assert [(asset["name"], asset["organization"]) for asset in state["assets"]] == [("organization_logo", harbour.pk), ("seal", harbour.pk)]
    assert state["colours"] == {harbour.pk: [["Primary colour", harbour.primary_color.lower()], ["Accent colour", harbour.accent_color.lower()]]}
    answer = staff.post(reverse("admin:courses_certificatetemplate_design_new_template"),
                        json.dumps({"design": state["design"]}), content_type="application/json")
    assert (answer.json()["html"], answer.json()["css"]) == design_template(state["design"])
    read = staff.post(reverse("admin:courses_certificatetemplate_design_new_read"), answer.json())
    assert read.json() == {"design": state["design"], "note": ""}
    seal = staff.get(reverse("admin:courses_certificatetemplate_design_new_asset", args=[harbour.pk, "seal"]))
    assert seal.status_code == 200 and seal.content.startswith(b"\x89PNG")


def test_the_add_pages_endpoints_answer_only_who_may_add_and_only_their_organisations_images(client, harbour, db):
    other = organization_with_templates(name="Summit Skills", slug="summit")
    staff = _staff(client, other)
    assert staff.get(reverse("admin:courses_certificatetemplate_design_new_asset", args=[harbour.pk, "seal"])).status_code == 404
    viewer = _staff(client, harbour, role="viewer", username="viewer")
    new = reverse("admin:courses_certificatetemplate_design_new_template")
    assert viewer.post(new, json.dumps({"design": design_starter("A4", "landscape")}), content_type="application/json").status_code == 403
    assert viewer.get(reverse("admin:courses_certificatetemplate_design_new_asset", args=[harbour.pk, "seal"])).status_code == 403
