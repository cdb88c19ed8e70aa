"""A mapped source's page in Chromium: the mapping's fields, the options of the chosen scheme only, and the sample panel live as staff type."""

import json

import pytest

from issuance.models import CompletionEvent, Source
from issuance.sources.configure import source_configure
from issuance.sources.mapped.presets import preset_mapping
from tests.factories.courses import CourseFactory, OrganizationFactory
from tests.sources.mapped.stand_in import typeform_signature
from tests.sources.mapped.test_typeform import PAYLOAD

from .conftest import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "typeform-webhook-secret"


def test_the_sample_panel_answers_as_staff_type_and_edit_the_mapping(superuser_page, shots):
    org = OrganizationFactory(name="Harbour Academy", slug="harbour")
    CourseFactory(organization=org, code="SAF-101", title="Safety 101")
    source, _ = source_configure(organization_slug=org.slug, slug="harbour-typeform", dialect="mapped", name="Harbour Typeform", secret=SECRET,
                                 settings={"mapping": preset_mapping("typeform", {"name_ref": "full_name"})})
    stored = dict(PAYLOAD, event_id="01PICKED", form_response=dict(PAYLOAD["form_response"], answers=[
        {"type": "text", "text": "<b>Zé</b>", "field": {"ref": "full_name"}}, PAYLOAD["form_response"]["answers"][1]]))
    picked = CompletionEvent.objects.create(source=source, external_id="01PICKED", body=json.dumps(stored).encode(), status="processed")
    page = superuser_page
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(f"/admin/issuance/source/{source.pk}/change/")
    assert page.input_value("[name=mapping__auth__header]") == "Typeform-Signature"
    assert page.is_visible("[name=mapping__auth__encoding]") and not page.is_visible("[name=mapping__auth__username]")
    body = json.dumps(PAYLOAD)
    page.fill("#sample-body", body)
    page.fill("#sample-headers", f"Typeform-Signature: {typeform_signature(SECRET, body.encode())}")
    wait_until(page, lambda: page.text_content("#sample-live-auth") == "Authenticates with this source's secret.", "authenticated")
    wait_until(page, lambda: "ana@example.org" in (page.text_content("#sample-live-events") or ""), "the completion shown")
    assert "SAF-101" in page.text_content(".sample-live-completion")
    assert page.text_content("#sample-live-signature").startswith("Typeform-Signature: sha256=")
    page.screenshot(path=str(shots / "mapped-source-sample.png"), full_page=True)

    page.fill("[name=mapping__fields__course]", "form_response.hidden.nowhere")  # an unsaved edit: the reading follows it
    wait_until(page, lambda: page.locator(".sample-live-errors li").count() > 0, "the course's error")
    assert "form_response.hidden.nowhere" in page.text_content(".sample-live-errors")
    page.fill("[name=mapping__fields__course]", "form_response.hidden.course")
    page.fill("#sample-headers", "Typeform-Signature: sha256=forged")
    wait_until(page, lambda: (page.text_content("#sample-live-auth") or "").startswith("Would be refused (401)"), "refused")

    page.select_option("#sample-event", str(picked.pk))
    wait_until(page, lambda: "01PICKED" in page.input_value("#sample-body"), "the picked delivery in the box")
    wait_until(page, lambda: "<b>Zé</b>" in (page.text_content(".sample-live-completion") or ""), "the picked completion")
    assert page.locator(".sample-live-completion b").count() == 0  # a learner's text is text, never markup
    assert (page.text_content("#sample-live-auth") or "").startswith("Authenticated when it was received")

    page.select_option("[name=mapping__auth__scheme]", "basic")
    assert page.is_visible("[name=mapping__auth__username]") and not page.is_visible("[name=mapping__auth__encoding]")
    page.fill("[name=mapping__auth__username]", "typeform")
    with page.expect_navigation():
        page.click("button[name=_save], input[name=_save]")
    assert Source.objects.get(pk=source.pk).settings["mapping"]["auth"] == {"scheme": "basic", "username": "typeform"}
    assert CompletionEvent.objects.count() == 1
    assert blocked == []
