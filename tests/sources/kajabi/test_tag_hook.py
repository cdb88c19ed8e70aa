"""Kajabi's tag_added hook at the source's secret address, each tag confirmed through a stand-in of Kajabi's API."""

import copy
import json

import pytest
import requests

from issuance.models import CompletionEvent
from issuance.sources.settings_schema import SettingsError
from stand_ins.lms import KajabiServer

from ..conftest import event_outcome

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]
SECRET, CLIENT_ID, CLIENT_SECRET = "kajabi-secret-address-9f2c41d7", "laurel-kajabi", "kajabi-client-secret-5e"

# Kajabi's tag_added delivery (integration notes §1.2, from its OpenAPI's sample and "Actual Payloads").
HOOK = {"id": "a1b2c3d4e5", "event": "tag_added", "payload": [
    {"id": "88412", "type": "contacts", "attributes": {
        "name": "Ana Lima", "email": "ana@example.org", "address_line_1": None, "phone_number": None, "subscribed": True,
        "external_user_id": None, "created_at": "2026-03-02T10:00:00.000Z", "updated_at": "2026-11-14T10:02:03.118Z"},
     "links": {"customer": ""}, "relationships": {"site": {"data": {"id": "2041", "type": "sites"}}}},
    {"id": "5531", "type": "contact_tags", "attributes": {"name": "laurel-complete-safety-101"},
     "relationships": {"site": {"data": {"id": "2041", "type": "sites"}}}}]}


@pytest.fixture
def kajabi():
    server = KajabiServer(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    server.contact_tags["88412"] = [("5531", "laurel-complete-safety-101")]
    yield server
    server.stop()


@pytest.fixture
def post(live_server, make_source, kajabi):
    source = make_source("kajabi", secret=SECRET, settings={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "api_url": kajabi.url},
                         mappings={"5531": "SAF-101"}, slug="academy-kajabi")

    def send(hook, *, secret=SECRET, body=None):
        address = f"{live_server.url}/api/v1/sources/{source.slug}/events" + (f"/{secret}" if secret else "")
        return requests.post(address, data=body if body is not None else json.dumps(hook).encode(),
                             headers={"Content-Type": "application/json"}, timeout=30)

    return send


def test_a_confirmed_tag_issues_once_and_a_replay_is_a_duplicate(post, kajabi, task_queue):
    response = post(HOOK)
    assert response.status_code == 202, response.text
    event = event_outcome(task_queue, response.json()["event"])
    assert event.status == "processed", event.errors
    issuance = event.issuances.get()
    assert (issuance.learner.email, issuance.learner_name, issuance.course.code) == ("ana@example.org", "Ana Lima", "SAF-101")
    assert [r["path"] for r in kajabi.requests] == ["/v1/oauth/token", "/v1/contacts/88412?include=tags"]
    assert (post(HOOK).status_code, post(HOOK).json()["status"]) == (200, "duplicate")


def test_a_wrong_or_missing_address_secret_is_refused_and_nothing_is_stored(post):
    assert post(HOOK, secret="not-the-secret-at-all").status_code == 401
    assert post(HOOK, secret="").status_code == 401
    assert CompletionEvent.objects.count() == 0


def test_a_tag_kajabi_does_not_confirm_parks_and_nothing_is_issued(post, kajabi, task_queue):
    kajabi.contact_tags["88412"] = []  # a forged hook, or the tag removed since
    event = event_outcome(task_queue, post(HOOK).json()["event"])
    assert (event.status, event.park_reason) == ("parked", "kajabi_tag_not_confirmed")
    assert not event.issuances.exists()


def test_another_event_is_ignored_and_malformed_hooks_park(post, task_queue):
    removed = {**HOOK, "id": "removed-1", "event": "tag_removed"}
    assert event_outcome(task_queue, post(removed).json()["event"]).ignored_reason == "event is 'tag_removed', not 'tag_added'."
    no_tag = copy.deepcopy({**HOOK, "id": "no-tag-1"})
    no_tag["payload"] = no_tag["payload"][:1]
    assert event_outcome(task_queue, post(no_tag).json()["event"]).park_reason == "tag_missing"
    unreadable = post(None, body=b'{"id": "x", "event": ')
    assert (unreadable.status_code, unreadable.json()["status"]) == (400, "parked")


def test_confirmation_needs_the_api_key_unless_turned_off(make_source):
    with pytest.raises(SettingsError, match="give client_id and client_secret, or set confirm=off"):
        make_source("kajabi", secret=SECRET, slug="no-key")
    assert make_source("kajabi", secret=SECRET, slug="trusting", settings={"confirm": "off"}).settings["confirm"] == "off"
