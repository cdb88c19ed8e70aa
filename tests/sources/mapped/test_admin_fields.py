"""A mapped source's page edits its mapping with a field per part, and its sample panel answers as JSON while staff type."""

import json

import pytest

from issuance.models import CompletionEvent, Source
from issuance.sources.configure import source_configure
from issuance.sources.mapped.mapping import mapping_clean
from issuance.sources.mapped.presets import preset_mapping
from tests.credentials_site.admin.pipeline.test_sources import staff  # noqa: F401 (a logged-in superuser)
from tests.factories.courses import OrganizationFactory, StaffUserFactory, member

from .stand_in import typeform_signature
from .test_typeform import PAYLOAD

pytestmark = pytest.mark.django_db
SECRET = "typeform-webhook-secret"


def typeform_source(org, slug="harbour-typeform"):
    source, _ = source_configure(organization_slug=org.slug, slug=slug, dialect="mapped", secret=SECRET,
                                 settings={"mapping": preset_mapping("typeform", {"name_ref": "full_name"})})
    return source


def page_fields(staff, source) -> dict:  # noqa: F811
    """The change form's initial values, as the browser would post them back."""
    form = staff.get(f"/admin/issuance/source/{source.pk}/change/").context["adminform"].form
    data = {name: form[name].value() for name in form.fields if name.startswith("mapping__")}
    data = {name: ("" if value is None else value) for name, value in data.items()}
    fixed = {"organization": source.organization_id, "name": source.name, "slug": source.slug, "dialect": "mapped", "is_active": "on",
             "signing_secret": "", "signing_secret_next": "", "rate_limit_per_minute": 600, "max_events_per_request": 100,
             "course_matching": "code", "mapped_preset": "", "mapped_preset_settings": "", "mapped__mapping": "",
             "course_mappings-TOTAL_FORMS": 0, "course_mappings-INITIAL_FORMS": 0}
    return {**fixed, **data}


def test_it_shows_the_saved_mapping_in_its_fields_and_saving_them_unchanged_keeps_it(staff, org):  # noqa: F811
    source = typeform_source(org)
    saved = source.settings["mapping"]
    data = page_fields(staff, source)
    assert data["mapping__auth__scheme"] == "hmac" and data["mapping__auth__header"] == "Typeform-Signature"
    assert data["mapping__auth__prefix"] == "sha256=" and data["mapping__fields__name"] == "form_response.answers[field.ref=full_name].text"
    assert data["mapping__completion_when__values"] == "form_response"
    assert "form_title=form_response.definition.title" in data["mapping__fields__extra"]
    page = staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    assert 'name="mapped__mapping"' in page and "Or paste a mapping file" in page and '{"auth"' not in page  # no JSON box to edit
    response = staff.post(f"/admin/issuance/source/{source.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    source.refresh_from_db()
    assert source.settings["mapping"] == saved and source.signing_secret == SECRET


def test_it_saves_an_edited_field_and_drops_the_options_of_a_scheme_no_longer_chosen(staff, org):  # noqa: F811
    source = typeform_source(org)
    data = page_fields(staff, source)
    data.update({"mapping__auth__scheme": "token_header", "mapping__auth__prefix": "Bearer ", "mapping__fields__course": "form_response.hidden.code",
                 "mapping__fields__score__max_path": "form_response.calculated.max", "mapping__completion_when__values": "form_response\nform_done"})
    assert staff.post(f"/admin/issuance/source/{source.pk}/change/", data).status_code == 302
    mapping = Source.objects.get(pk=source.pk).settings["mapping"]
    assert mapping["auth"] == {"scheme": "token_header", "header": "Typeform-Signature", "prefix": "Bearer "}
    assert mapping["fields"]["course"] == "form_response.hidden.code"
    assert mapping["fields"]["score"] == {"path": "form_response.calculated.score", "max_path": "form_response.calculated.max"}
    assert mapping["completion_when"]["values"] == ["form_response", "form_done"]
    assert mapping == mapping_clean(mapping)  # stored as the one validation answers it


def test_it_shows_each_problem_under_its_own_field_and_saves_nothing(staff, org):  # noqa: F811
    source = typeform_source(org)
    data = page_fields(staff, source)
    data.update({"mapping__auth__header": "", "mapping__auth__encoding": "hex", "mapping__fields__email": "a..b",
                 "mapping__fields__completed_at__time_zone": "Mars/Olympus", "mapping__fields__course": "",
                 "mapping__completion_when__values": ""})
    response = staff.post(f"/admin/issuance/source/{source.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["mapping__auth__header"] == ["auth.header: is required for the hmac scheme."]
    assert errors["mapping__fields__email"][0].startswith("fields.email: ")
    assert errors["mapping__fields__completed_at__time_zone"][0].startswith("fields.completed_at.time_zone: must be a time zone name")
    assert errors["mapping__fields__course"][0].startswith("fields.course: is required")
    assert errors["mapping__completion_when__values"][0].startswith("completion_when.values: must be a non-empty list")
    assert Source.objects.get(pk=source.pk).settings["mapping"] == preset_mapping("typeform", {"name_ref": "full_name"})


def live(staff, source, **data):  # noqa: F811
    return staff.post(f"/admin/issuance/source/{source.pk}/sample.json", data)


def test_the_live_endpoint_reads_a_paste_with_the_mapping_as_the_page_holds_it(staff, org, course):  # noqa: F811
    source = typeform_source(org)
    body = json.dumps(PAYLOAD)
    signed = f"Typeform-Signature: {typeform_signature(SECRET, body.encode())}"
    answer = live(staff, source, sample_body=body, sample_headers=signed)
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    report = answer.json()
    assert report["authenticated"] is True and report["signature"] == signed
    assert report["events"][0]["completion"]["email"] == "ana@example.org" and report["events"][0]["completion"]["course"] == "SAF-101"
    forged = live(staff, source, sample_body=body, sample_headers="Typeform-Signature: sha256=AAAA").json()
    assert forged["authenticated"] is False and forged["auth_detail"].startswith("Would be refused (401): Typeform-Signature does not match")
    draft = page_fields(staff, source)
    draft["mapping__fields__course"] = "form_response.hidden.nowhere"
    unsaved = live(staff, source, sample_body=body, sample_headers=signed, **{k: v for k, v in draft.items() if k.startswith("mapping__")}).json()
    assert unsaved["events"][0]["completion"] is None
    assert any(error.startswith("form_response.hidden.nowhere") or "course" in error for error in unsaved["events"][0]["errors"])
    draft["mapping__auth__scheme"] = "hmac"
    draft["mapping__auth__header"] = ""
    broken = live(staff, source, sample_body=body, **{k: v for k, v in draft.items() if k.startswith("mapping__")}).json()
    assert broken["mapping_errors"] == {"mapping__auth__header": ["auth.header: is required for the hmac scheme."]} and broken["events"] == []
    other = dict(PAYLOAD, event_type="form_response_partial")
    ignored = live(staff, source, sample_body=json.dumps(other)).json()
    assert ignored["events"][0]["ignored"] == "event_type is 'form_response_partial', not one of 'form_response'."
    malformed = live(staff, source, sample_body="{not json", sample_headers=signed).json()
    assert malformed["authenticated"] is False and malformed["events"][0]["completion"] is None and malformed["events"][0]["errors"]
    assert CompletionEvent.objects.count() == 0


def test_it_reads_a_picked_delivery_as_stored_and_only_this_sources(staff, org, course):  # noqa: F811
    source = typeform_source(org)
    received = CompletionEvent.objects.create(source=source, external_id="01JCZ6Q3V8Y2T4N9W5R7", body=json.dumps(PAYLOAD).encode(),
                                              headers={"content-type": "application/json"}, status="processed")
    page = staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    assert f'<option value="{received.pk}">' in page and "01JCZ6Q3V8Y2T4N9W5R7 · Processed" in page
    report = live(staff, source, sample_event=str(received.pk)).json()
    assert report["authenticated"] is True and report["auth_detail"].startswith("Authenticated when it was received")
    assert report["picked"] == {"body": json.dumps(PAYLOAD), "headers": "content-type: application/json"}
    assert report["events"][0]["completion"]["email"] == "ana@example.org"
    elsewhere = typeform_source(OrganizationFactory(slug="elsewhere"), slug="elsewhere-typeform")
    theirs = CompletionEvent.objects.create(source=elsewhere, external_id="theirs", body=b'{"secret": "theirs"}')
    foreign = live(staff, source, sample_event=str(theirs.pk), sample_body="").json()
    assert "picked" not in foreign and "not one of this source's" in foreign["auth_detail"]
    assert live(staff, source, sample_event="not-a-uuid").status_code == 200


def test_the_endpoint_is_for_staff_who_may_change_a_source_of_their_organisation(client, org):
    source = typeform_source(org)
    elsewhere = typeform_source(OrganizationFactory(slug="elsewhere"), slug="elsewhere-typeform")
    owner = StaffUserFactory(username="owner", is_superuser=False)
    member(owner, org, "owner")
    client.force_login(owner)
    assert client.post(f"/admin/issuance/source/{source.pk}/sample.json", {"sample_body": "{}"}).status_code == 200
    assert client.post(f"/admin/issuance/source/{elsewhere.pk}/sample.json", {"sample_body": "{}"}).status_code == 404
    assert client.get(f"/admin/issuance/source/{source.pk}/sample.json").status_code == 405
    viewer = StaffUserFactory(username="viewer", is_superuser=False)
    member(viewer, org, "viewer")
    client.force_login(viewer)
    assert client.post(f"/admin/issuance/source/{source.pk}/sample.json", {"sample_body": "{}"}).status_code == 403
    assert client.get(f"/admin/issuance/source/{source.pk}/change/").status_code == 200  # the read-only page still renders
