"""A mapped source in the admin: a preset fills the mapping in, and a bad mapping is refused with each problem named."""

import json

import pytest

from issuance.models import Source
from issuance.sources.mapped.presets import preset_mapping
from tests.credentials_site.admin.pipeline.test_sources import staff  # noqa: F401 (a logged-in superuser)

pytestmark = pytest.mark.django_db


def form(org, **overrides):
    data = {"organization": org.pk, "name": "Harbour forms", "slug": "harbour-forms", "dialect": "mapped", "is_active": "on",
            "signing_secret": "", "signing_secret_next": "", "rate_limit_per_minute": 600, "max_events_per_request": 100,
            "course_matching": "code", "mapped_preset": "", "mapped_preset_settings": "", "mapped__mapping": "",
            "course_mappings-TOTAL_FORMS": 0, "course_mappings-INITIAL_FORMS": 0}
    return {**data, **overrides}


def test_it_fills_the_mapping_in_from_a_preset_and_makes_a_secret(staff, org):  # noqa: F811
    page = staff.get("/admin/issuance/source/add/").content.decode()
    assert "Mapped (any JSON or form sender, by a mapping) settings" in page and "typeform (Typeform; settings: email_ref" in page
    response = staff.post("/admin/issuance/source/add/", form(org, mapped_preset="typeform", mapped_preset_settings="name_ref=full_name\n"))
    assert response.status_code == 200 and b"New secret for Harbour forms" in response.content
    source = Source.objects.get(slug="harbour-forms")
    assert source.settings["mapping"] == preset_mapping("typeform", {"name_ref": "full_name"})
    assert len(source.signing_secret) >= 32
    shown = staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    assert "form_response.answers[field.ref=full_name].text" in shown  # the mapping, shown to edit


def test_it_names_each_problem_of_a_pasted_mapping(staff, org):  # noqa: F811
    bad = {"auth": {"scheme": "hmac", "encoding": "base32"}, "fields": {"course": "course", "email": "a..b"}}
    response = staff.post("/admin/issuance/source/add/", form(org, signing_secret="a-long-enough-secret", mapped__mapping=json.dumps(bad)))
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "auth.header: is required for the hmac scheme" in errors
    assert "auth.encoding: must be one of hex, base64, not 'base32'" in errors
    assert "fields.email: 'a..b'" in errors
    bad_preset = staff.post("/admin/issuance/source/add/", form(org, mapped_preset="learnworlds", mapped_preset_settings="signature=rsa"))
    assert "signature must be one of static, hmac, not &#x27;rsa&#x27;" in bad_preset.content.decode()
    assert not Source.objects.exists()


def test_it_reads_a_pasted_delivery_in_the_sample_panel_and_stores_nothing(staff, org, course):  # noqa: F811
    from issuance.models import CompletionEvent
    from issuance.sources.configure import source_configure
    from .stand_in import typeform_signature
    from .test_typeform import PAYLOAD

    source, _ = source_configure(organization_slug=org.slug, slug="harbour-typeform", dialect="mapped", secret="typeform-webhook-secret",
                                 settings={"mapping": preset_mapping("typeform", {"name_ref": "full_name"})})
    page = staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    assert 'form="source-sample"' in page and 'id="source-sample"' in page
    body = json.dumps(PAYLOAD)
    signature = typeform_signature("typeform-webhook-secret", body.encode())
    answer = staff.post(f"/admin/issuance/source/{source.pk}/sample/", {"sample_body": body, "sample_headers": f"Typeform-Signature: {signature}"})
    text = answer.content.decode()
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert "Authenticates with this source&#x27;s secret." in text and f"Typeform-Signature: {signature}" in text
    assert "Event 01JCZ6Q3V8Y2T4N9W5R7" in text and "ana@example.org" in text and "SAF-101" in text
    unsigned = staff.post(f"/admin/issuance/source/{source.pk}/sample/", {"sample_body": body.replace("ana@example.org", "ana@"), "sample_headers": ""})
    text = unsigned.content.decode()
    assert "Would be refused (401): The Typeform-Signature header is required." in text
    assert "form_response.answers[type=email].email:" in text
    assert CompletionEvent.objects.count() == 0
