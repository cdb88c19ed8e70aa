"""The source form in the admin: dialect settings, write-only secrets, a generated secret, recent events."""

import re

import pytest

from issuance.models import CompletionEvent, Source
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(StaffUserFactory(username="boss", is_superuser=True))
    return client


def form_data(org, **overrides):
    data = {
        "organization": org.pk, "name": "Harbour Moodle", "slug": "harbour-moodle", "dialect": "moodle", "is_active": "on",
        "signing_secret": "plugin-token", "signing_secret_next": "", "rate_limit_per_minute": 600, "course_matching": "code",
        "moodle__moodle_url": "https://lms.harbour.example", "moodle__ws_token": "ws-secret-1", "moodle__allowed_addresses": "",
        "course_mappings-TOTAL_FORMS": 0, "course_mappings-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return data


def test_it_saves_a_moodle_source_and_never_shows_its_secrets_again(staff, org):
    assert b"Moodle (local_webhooks plugin) settings" in staff.get("/admin/issuance/source/add/").content
    response = staff.post("/admin/issuance/source/add/", form_data(org))
    assert response.status_code == 302, response.context["adminform"].form.errors
    source = Source.objects.get(slug="harbour-moodle")
    assert (source.settings, source.secret_settings, source.signing_secret) == ({"moodle_url": "https://lms.harbour.example"}, {"ws_token": "ws-secret-1"}, "plugin-token")
    page = staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    assert "ws-secret-1" not in page and "plugin-token" not in page
    assert "/api/v1/sources/harbour-moodle/events" in page
    # Saving with the secret fields left empty keeps what was saved.
    staff.post(f"/admin/issuance/source/{source.pk}/change/", form_data(org, signing_secret="", moodle__ws_token=""))
    source.refresh_from_db()
    assert (source.secret_settings, source.signing_secret) == ({"ws_token": "ws-secret-1"}, "plugin-token")


def test_it_refuses_bad_dialect_settings_with_the_valid_forms(staff, org):
    response = staff.post("/admin/issuance/source/add/", form_data(org, moodle__moodle_url="lms.harbour.example"))
    assert response.status_code == 200
    assert "moodle_url must be an http(s) URL" in response.content.decode()
    response = staff.post("/admin/issuance/source/add/", form_data(org, dialect="generic", signing_secret="plain"))
    assert "starts with whsec_" in response.content.decode()
    assert not Source.objects.exists()


def test_it_generates_a_secret_in_the_dialects_format_and_shows_it_once(staff, org):
    response = staff.post("/admin/issuance/source/add/", form_data(org, dialect="learndash", signing_secret="", generate_secret="on"), follow=True)
    source = Source.objects.get()
    assert source.signing_secret.startswith("whsec_")
    assert source.signing_secret in response.content.decode()
    assert source.signing_secret not in staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()


def test_its_test_delivery_panel_lists_the_last_events_and_their_outcome(staff, org):
    staff.post("/admin/issuance/source/add/", form_data(org))
    source = Source.objects.get()
    CompletionEvent.objects.create(source=source, external_id="moodle:57:12:1", body=b"{}", status="ignored", ignored_reason="Moodle event 'x' is not a course completion.")
    CompletionEvent.objects.create(source=source, external_id="moodle:58:12:1", body=b"{}", status="parked", park_reason="moodle_invalidtoken")
    page = staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    panel = page[page.index("Test delivery"):]
    assert re.search(r"moodle:58:12:1</a></td><td>Parked</td><td>moodle_invalidtoken", panel)
    assert re.search(r"moodle:57:12:1</a></td><td>Ignored</td><td>Moodle event &#x27;x&#x27; is not", panel)
