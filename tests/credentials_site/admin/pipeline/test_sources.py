"""The source form in the admin: dialect settings, write-only secrets, a generated secret, recent events."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from issuance.models import CompletionEvent, Source
from issuance.sources.configure import source_configure
from tests.openbadges.test_content_security_policy import InlineScripts
from tests.factories.courses import CourseFactory, StaffUserFactory, member
from tests.sources.conftest import private_targets_allowed  # noqa: F401 (an autouse fixture: the LMS stand-ins are on 127.0.0.1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(StaffUserFactory(username="boss", is_superuser=True))
    return client


def form_data(org, **overrides):
    data = {
        "organization": org.pk, "name": "Harbour Moodle", "slug": "harbour-moodle", "dialect": "moodle", "is_active": "on",
        "signing_secret": "plugin-token", "signing_secret_next": "", "rate_limit_per_minute": 600, "max_events_per_request": 100, "course_matching": "code",
        "moodle__moodle_url": "https://lms.harbour.example", "moodle__ws_token": "ws-secret-1", "moodle__allowed_addresses": "",
        "course_mappings-TOTAL_FORMS": 0, "course_mappings-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return data


SECRETS = {"generic": "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=", "learndash": "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=",
           "moodle": "plugin-token", "xapi": "lrs-password", "thinkific": "thinkific-api-key"}
SETTINGS = {"moodle": {"moodle_url": "https://lms.harbour.example", "ws_token": "ws-secret-1"}, "xapi": {"key": "lrs-key"}}


def make_source(org, dialect):
    source_configure(organization_slug=org.slug, slug=f"harbour-{dialect}", dialect=dialect, name=f"Harbour {dialect}",
                     secret=SECRETS[dialect], settings=SETTINGS.get(dialect, {}))


def dialect_fields(dialect):
    return {f"{dialect}__{name}": value for name, value in SETTINGS.get(dialect, {}).items()}


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


def test_a_new_source_left_without_a_secret_gets_one_in_its_format_shown_once(staff, org):
    response = staff.post("/admin/issuance/source/add/", form_data(org, dialect="learndash", signing_secret=""))
    source = Source.objects.get()
    assert source.signing_secret.startswith("whsec_")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert source.signing_secret in response.content.decode()
    assert source.signing_secret not in staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()


def generate_url(source) -> str:
    return f"/admin/issuance/source/{source.pk}/generate-secret/"


@pytest.mark.parametrize(("dialect", "prefix"), [("generic", "whsec_"), ("learndash", "whsec_"), ("moodle", ""), ("xapi", "")])
def test_the_generate_button_makes_a_secret_in_the_dialects_format_keeps_the_old_one_accepted_and_shows_it_once(staff, org, dialect, prefix):
    make_source(org, dialect)
    source = Source.objects.get()
    old = source.signing_secret
    page = staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    assert 'form="source-secret-generate"' in page and f'action="{generate_url(source)}"' in page
    response = staff.post(generate_url(source))
    source.refresh_from_db()
    assert source.signing_secret.startswith(prefix) and source.signing_secret != old and source.signing_secret_next == old
    shown = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert f'value="{source.signing_secret}"' in shown and "only on this page" in shown and "Ctrl+C" in shown
    assert f"/api/v1/sources/{source.slug}/" in shown
    scripts = InlineScripts()
    scripts.feed(shown)
    assert scripts.found == []  # the Copy button is a static file, as the strict CSP requires
    assert source.signing_secret not in staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    [entry] = LogEntry.objects.filter(object_id=str(source.pk), change_message__startswith="Generated")
    assert entry.user.username == "boss" and source.signing_secret not in entry.change_message
    # Once the LMS uses the new one, staff stop accepting the old one.
    data = form_data(org, dialect=dialect, name=source.name, slug=source.slug, signing_secret="", clear_secret_next="on", **dialect_fields(dialect))
    assert staff.post(f"/admin/issuance/source/{source.pk}/change/", data).status_code == 302
    source.refresh_from_db()
    assert source.signing_secret_next == "" and source.signing_secret.startswith(prefix)


def test_the_generate_view_takes_only_a_post_with_its_csrf_token(org):
    make_source(org, "generic")
    source = Source.objects.get()
    old = source.signing_secret
    client = Client(enforce_csrf_checks=True)
    client.force_login(StaffUserFactory(username="careful", is_superuser=True))
    assert client.get(generate_url(source)).status_code == 405
    assert client.post(generate_url(source)).status_code == 403  # no CSRF token
    source.refresh_from_db()
    assert source.signing_secret == old
    page = client.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    token = re.search(r'id="source-secret-generate"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(generate_url(source), {"csrfmiddlewaretoken": token}).status_code == 200
    source.refresh_from_db()
    assert source.signing_secret != old


def test_it_makes_up_no_secret_the_lms_issues_itself(staff, org):
    make_source(org, "thinkific")
    source = Source.objects.get()
    page = staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    assert 'form="source-secret-generate"' not in page and "Not for this dialect" in page
    response = staff.post(generate_url(source), follow=True)
    assert "cannot make up the thinkific dialect" in response.content.decode()
    source.refresh_from_db()
    assert source.signing_secret == "thinkific-api-key" and source.signing_secret_next == ""


def test_staff_without_change_permission_cannot_generate(client, org):
    make_source(org, "generic")
    source = Source.objects.get()
    viewer = StaffUserFactory(username="viewer", is_superuser=False)
    member(viewer, org, "viewer")  # sees the organisation's sources, changes none
    client.force_login(viewer)
    assert client.post(generate_url(source)).status_code == 403


def test_its_test_delivery_panel_lists_the_last_events_and_their_outcome(staff, org):
    staff.post("/admin/issuance/source/add/", form_data(org))
    source = Source.objects.get()
    CompletionEvent.objects.create(source=source, external_id="moodle:57:12:1", body=b"{}", status="ignored", ignored_reason="Moodle event 'x' is not a course completion.")
    CompletionEvent.objects.create(source=source, external_id="moodle:58:12:1", body=b"{}", status="parked", park_reason="moodle_invalidtoken")
    page = staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    panel = page[page.index("Test delivery"):]
    assert re.search(r"moodle:58:12:1</a></td><td>Parked</td><td>moodle_invalidtoken", panel)
    assert re.search(r"moodle:57:12:1</a></td><td>Ignored</td><td>Moodle event &#x27;x&#x27; is not", panel)


def test_the_settings_read_in_words_and_the_polling_and_events_are_tables_with_their_cells_apart(staff, org):
    add = staff.get("/admin/issuance/source/add/").content.decode()
    assert ">Moodle URL" in add and ">Web service token" in add and ">Allowed sender addresses" in add
    assert "(Setting moodle_url.)" in add  # the name the docs, source_add and the errors use
    assert "Used only when the dialect is Moodle" in add and "Read only when" not in add
    make_source(org, "moodle")
    source = Source.objects.get()
    CompletionEvent.objects.create(source=source, external_id="moodle:1", body=b"{}")
    page = staff.get(f"/admin/issuance/source/{source.pk}/change/").content.decode()
    assert '<table class="laurel-related"><tr><th>Schedule</th><td>' in page
    assert '<table class="laurel-related"><tr><th>received</th>' in page


def test_the_chosen_dialects_settings_are_open_and_the_others_folded(staff, org):
    add = staff.get("/admin/issuance/source/add/?dialect=moodle").content.decode()
    moodle = re.search(r'<fieldset class="([^"]*laurel-dialect-moodle[^"]*)"', add).group(1)
    canvas = re.search(r'<fieldset class="([^"]*laurel-dialect-canvas[^"]*)"', add).group(1)
    assert "collapse" not in moodle.split() and "collapse" in canvas.split()
    refused = staff.post("/admin/issuance/source/add/", form_data(org, dialect="canvas", canvas__canvas_url="canvas.example")).content.decode()
    assert "collapse" not in re.search(r'<fieldset class="([^"]*laurel-dialect-canvas[^"]*)"', refused).group(1).split()  # the error's section stays open


def test_polling_is_said_before_it_starts_and_the_save_that_starts_it_says_so(staff, org):
    course = CourseFactory(organization=org, code="SAF-101")
    add = staff.get("/admin/issuance/source/add/").content.decode()
    assert "Laurel asks Moodle for completions every 15 minutes" in add and "a course mapping is added below" in add
    response = staff.post("/admin/issuance/source/add/", form_data(org), follow=True)  # URL and token, no mapping: not polled
    assert "Polling is now" not in response.content.decode()
    source = Source.objects.get()
    mapped = form_data(org, signing_secret="", moodle__ws_token="", **{
        "course_mappings-TOTAL_FORMS": 1, "course_mappings-0-external_id": "12", "course_mappings-0-course": course.pk})
    page = staff.post(f"/admin/issuance/source/{source.pk}/change/", mapped, follow=True).content.decode()
    assert "Polling is now on for Harbour Moodle: Laurel asks Moodle for completions every 15 minutes." in page
    assert "set “Poll every (minutes)” to 0" in page
    again = staff.post(f"/admin/issuance/source/{source.pk}/change/", form_data(org, signing_secret="", moodle__ws_token="", **{
        "course_mappings-TOTAL_FORMS": 1, "course_mappings-INITIAL_FORMS": 1, "course_mappings-0-id": source.course_mappings.get().pk,
        "course_mappings-0-source": source.pk, "course_mappings-0-external_id": "12", "course_mappings-0-course": course.pk}), follow=True)
    assert "Polling is now" not in again.content.decode()  # nothing changed, nothing said
    off = staff.post(f"/admin/issuance/source/{source.pk}/change/", form_data(org, signing_secret="", moodle__ws_token="", moodle__poll_minutes="0", **{
        "course_mappings-TOTAL_FORMS": 1, "course_mappings-INITIAL_FORMS": 1, "course_mappings-0-id": source.course_mappings.get().pk,
        "course_mappings-0-source": source.pk, "course_mappings-0-external_id": "12", "course_mappings-0-course": course.pk}), follow=True)
    assert "Polling is now off for Harbour Moodle" in off.content.decode()
